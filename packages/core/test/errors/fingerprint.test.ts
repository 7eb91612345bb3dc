import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, normalizeMessage, registerErrorRule, serializeError, withFingerprint } from '../../src/index.js';

type Module = Record<string, (...args: unknown[]) => unknown>;

function capture(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

function lineIn(error: Error, file: string): number {
  const match = new RegExp(`${file.replace(/[.]/g, '\\.')}:(\\d+):\\d+`).exec(error.stack ?? '');
  if (!match) throw new Error(`no frame of ${file} in ${error.stack}`);
  return Number(match[1]);
}

const CHARGE = `export function chargeCard(userId) {
  throw new Error(\`card declined for user \${userId}\`);
}

export function refundCard(userId) {
  throw new Error(\`card declined for user \${userId}\`);
}

export function validate(amount) {
  if (typeof amount !== 'number') throw new Error('invalid amount');
  if (amount < 0) throw new Error('invalid amount');
  return amount;
}

export function fail(message) {
  throw new Error(message);
}
`;

// The same code after a deploy that only moved it: blank lines above, deeper indentation, another root directory.
const CHARGE_MOVED = `\n\n\n// a comment added above\n\n${CHARGE.replace(/\n {2}/g, '\n      ')}`;

const LIBRARY_A = `exports.run = function run(fn) { return fn(); };\n`;
const LIBRARY_B = `\n\n\nexports.invoke = function invoke(fn) {\n  const value = fn();\n  return value;\n};\n`;

describe('fingerprint of real throw sites (modules written under the temp directory)', () => {
  let root: string;
  let deployA: Module;
  let deployB: Module;
  let refund: Module;
  let libraries: Module[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'otelkit-fingerprint-'));
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
      return pathToFileURL(join(root, path)).href;
    };
    deployA = await import(write('release-1/app/charge.mjs', CHARGE));
    deployB = await import(write('release-2/app/charge.mjs', CHARGE_MOVED));
    refund = await import(write('release-1/app/refund.mjs', CHARGE));
    libraries = [
      await import(write('release-1/node_modules/lib-a/index.cjs', LIBRARY_A)),
      await import(write('release-1/node_modules/lib-b/index.cjs', LIBRARY_B)),
    ];
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('is 16 hex characters and the same for the same error', () => {
    const error = capture(() => deployA.chargeCard?.(42));
    expect(fingerprint(error)).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint(error)).toBe(fingerprint(error));
  });

  it('is stable when only line and column numbers change (a deploy that moved the code)', () => {
    const [a, b] = [deployA, deployB].map((m) => capture(() => m.chargeCard?.(42))) as [Error, Error];
    expect(lineIn(a, 'charge.mjs')).not.toBe(lineIn(b, 'charge.mjs'));
    expect(a.stack).not.toBe(b.stack);
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it('is stable when only ids in the message change', () => {
    const pairs: Array<[string, string]> = [
      ['user 42 not found', 'user 97 not found'],
      ['order 0192c9a4-7b1e-7c3d-9f2a-1b2c3d4e5f60 missing', 'order 3f1e2d4c-5b6a-4798-8a7b-6c5d4e3f2a1b missing'],
      ['object 5f3a9c2b7d1e not found', 'object 9e8d7c6b5a4f not found'],
      ['no account for ann@example.com', 'no account for bob.smith+x@test.example.org'],
      ['unknown plan "gold"', 'unknown plan "silver premium"'],
      ["merchant 'merchant-789' is closed", "merchant 'merchant-12' is closed"],
      ['timeout after 1500ms calling 10.0.0.12:5432', 'timeout after 30000ms calling 10.0.3.7:5432'],
    ];
    for (const pair of pairs) {
      const [a, b] = pair.map((message) => capture(() => deployA.fail?.(message))) as [Error, Error];
      expect(fingerprint(a), pair[0]).toBe(fingerprint(b));
    }
  });

  it('differs when the message says something else', () => {
    const [a, b] = ['user 42 not found', 'card 42 declined'].map((m) => capture(() => deployA.fail?.(m))) as [
      Error,
      Error,
    ];
    expect(fingerprint(a)).not.toBe(fingerprint(b));
  });

  it('differs for different throw sites: another function, another file, another line of one function', () => {
    const charge = capture(() => deployA.chargeCard?.(42));
    const refundInSameFile = capture(() => deployA.refundCard?.(42));
    const chargeInOtherFile = capture(() => refund.chargeCard?.(42));
    const [notANumber, negative] = ['x', -1].map((v) => capture(() => deployA.validate?.(v))) as [Error, Error];
    const all = [charge, refundInSameFile, chargeInOtherFile, notANumber].map(fingerprint);
    expect(new Set(all).size).toBe(4);
    expect(fingerprint(notANumber)).not.toBe(fingerprint(negative));
    expect(notANumber.message).toBe(negative.message);
  });

  it('differs by error type at the same site', () => {
    const [a, b] = [TypeError, RangeError].map((E) => capture(() => deployA.fail?.(new E('x').message))) as [
      Error,
      Error,
    ];
    expect(fingerprint(a)).toBe(fingerprint(b)); // both are plain Errors thrown by fail()
    const typed = Object.assign(Object.create(TypeError.prototype), { message: a.message, stack: a.stack });
    expect(fingerprint(typed)).not.toBe(fingerprint(a));
  });

  it('ignores node_modules frames: the same error through two different libraries', () => {
    function thrower(): never {
      throw new Error('handler failed');
    }
    const entries: Array<[Module | undefined, string]> = [
      [libraries[0], 'run'],
      [libraries[1], 'invoke'],
    ];
    const [a, b] = entries.map(([lib, name]) => capture(() => lib?.[name]?.(thrower))) as [Error, Error];
    expect(a.stack).toContain('/node_modules/lib-a/');
    expect(b.stack).toContain('/node_modules/lib-b/');
    expect(fingerprint(a)).toBe(fingerprint(b));
  });
});

describe('fingerprint of synthetic stacks', () => {
  const error = (stack: string) => Object.assign(new Error('boom'), { stack: `Error: boom\n${stack}` });
  const inApp = '    at charge (/srv/app/src/payments/charge.js:10:5)\n    at handle (/srv/app/src/routes.js:20:7)';

  it('ignores node: and node_modules frames', () => {
    const plain = error(inApp);
    const withRuntime = error(
      `${inApp}\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n` +
        '    at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)\n' +
        '    at async Promise.all (index 0)\n    at new Promise (<anonymous>)',
    );
    const otherRuntime = error(
      `    at Module._compile (node:internal/modules/cjs/loader:1554:14)\n${inApp}\n` +
        '    at C:\\srv\\app\\node_modules\\fastify\\lib\\route.js:600:9',
    );
    expect(fingerprint(withRuntime)).toBe(fingerprint(plain));
    expect(fingerprint(otherRuntime)).toBe(fingerprint(plain));
  });

  it('ignores line numbers and machine-specific path prefixes', () => {
    const moved = error(
      '    at charge (file:///home/ci/build-7/src/payments/charge.js:99:1)\n    at handle (/opt/release/src/routes.js:3:3)',
    );
    expect(fingerprint(moved)).toBe(fingerprint(error(inApp)));
  });

  it('uses in-app function and module names', () => {
    expect(fingerprint(error(inApp.replace('at charge', 'at refund')))).not.toBe(fingerprint(error(inApp)));
    expect(fingerprint(error(inApp.replace('charge.js', 'refund.js')))).not.toBe(fingerprint(error(inApp)));
  });

  it('does not read devices named in a message as source files', { timeout: 20_000 }, () => {
    const e = new Error('bad input\n    at evil (/dev/zero:1:1)\n    at evil (/dev/stdin:1:1)');
    expect(fingerprint(e)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('normalizeMessage', () => {
  it.each([
    ['user 42 not found', 'user <n> not found'],
    ['order 0192c9a4-7b1e-7c3d-9f2a-1b2c3d4e5f60 missing', 'order <uuid> missing'],
    ['object 5f3a9c2b7d1e not found', 'object <hex> not found'],
    ['tx 0xdeadbeef12 reverted', 'tx <hex> reverted'],
    ['no account for ann@example.com', 'no account for <email>'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED <ip>'],
    ['unknown plan "gold"', 'unknown plan <str>'],
    ["unknown plan 'gold'", 'unknown plan <str>'],
    ['took 2.5s', 'took <n>s'],
    ['Failed to charge card: Insufficient funds', 'Failed to charge card: Insufficient funds'],
  ])('%s -> %s', (message, expected) => {
    expect(normalizeMessage(message)).toBe(expected);
  });

  it('keeps words that merely look like hex', () => {
    expect(normalizeMessage('deadbeef cafebabe facade')).toBe('deadbeef cafebabe facade');
  });

  it('looks at the first 500 characters only', () => {
    expect(normalizeMessage(`${'a'.repeat(600)}`)).toHaveLength(500);
  });
});

describe('fingerprint overrides', () => {
  const unregister: Array<() => void> = [];
  afterEach(() => {
    for (const off of unregister.splice(0)) off();
  });
  class CardDeclinedError extends Error {}

  it('withFingerprint fixes the fingerprint and returns the same error', () => {
    const error = new Error(`card ${Math.random()} declined`);
    expect(withFingerprint(error, 'payment-card-declined')).toBe(error);
    expect(fingerprint(error)).toBe('payment-card-declined');
    expect(serializeError(error).fingerprint).toBe('payment-card-declined');
    expect(Object.keys(error)).toEqual([]);
  });

  it('withFingerprint on a frozen error returns it unchanged', () => {
    const error = Object.freeze(new Error('frozen'));
    expect(withFingerprint(error, 'x')).toBe(error);
    expect(fingerprint(error)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a string fingerprint property wins; other types are ignored', () => {
    expect(fingerprint(Object.assign(new Error('x'), { fingerprint: 'custom-group' }))).toBe('custom-group');
    expect(fingerprint({ message: 'plain', fingerprint: 'plain-group' })).toBe('plain-group');
    expect(fingerprint(Object.assign(new Error('x'), { fingerprint: ['{{ default }}'] }))).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint(Object.assign(new Error('x'), { fingerprint: '' }))).toMatch(/^[0-9a-f]{16}$/);
  });

  it("a rule's fingerprint groups every error it matches, also through a cause", () => {
    unregister.push(registerErrorRule({ match: { type: 'CardDeclinedError' }, fingerprint: 'payment-card-declined' }));
    expect(fingerprint(new CardDeclinedError('card 1 declined'))).toBe('payment-card-declined');
    expect(fingerprint(new Error('charge failed', { cause: new CardDeclinedError('x') }))).toBe(
      'payment-card-declined',
    );
    expect(serializeError(new CardDeclinedError('y')).fingerprint).toBe('payment-card-declined');
    expect(fingerprint(new Error('unrelated'))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('an explicit fingerprint beats a rule', () => {
    unregister.push(registerErrorRule({ match: { type: 'CardDeclinedError' }, fingerprint: 'from-rule' }));
    expect(fingerprint(withFingerprint(new CardDeclinedError('x'), 'from-caller'))).toBe('from-caller');
  });
});
