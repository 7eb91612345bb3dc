import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, redact } from '../../src/index.js';
import { luhnCheckDigit } from './luhn.js';

// Plants secrets at random depths and under random keys of random structures (objects, arrays, Maps, Sets, errors
// with causes, strings with secrets embedded in text) and checks that none survives. Replay a failure with the seed
// and path fast-check prints, or another seed with OTELKIT_FC_SEED=<n>.
const SEED = Number(process.env.OTELKIT_FC_SEED ?? 20251011);
const RUNS = 300;

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** A secret no filler can contain by chance: a fixed marker and 12-24 random alphanumerics. */
const secret = fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 12, maxLength: 24 }).map((s) => `Zq7${s}`);

/** Spellings of sensitive keys, for both object keys and `key=value` text. */
const sensitiveKey = fc.constantFrom(
  'password',
  'Password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refreshToken',
  'api_key',
  'X-Api-Key',
  'apikey',
  'authorization',
  'Proxy-Authorization',
  'cookie',
  'Set-Cookie',
  'session',
  'sessionToken',
  'private_key',
  'credit_card',
  'card_number',
  'pan',
  'cvv',
  'cvc',
  'ssn',
  'db_password',
  'DB_PASSWORD',
);

/** Random text around a planted secret; ASCII with punctuation, so separators and quotes turn up too. */
const filler = fc.string({ maxLength: 20 });

/** A Luhn-valid card number of 13-19 digits, written as one block, in fours, or with dashes. */
const card = fc
  .tuple(
    fc.integer({ min: 13, max: 19 }),
    fc.constantFrom('3', '4', '5', '6'),
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 18, maxLength: 18 }),
    fc.constantFrom('', ' ', '-'),
  )
  .map(([length, first, digits, separator]) => {
    const body = (first + digits).slice(0, length - 1);
    const number = body + luhnCheckDigit(body);
    return separator === '' ? number : (number.match(/.{1,4}/g) ?? []).join(separator);
  });

const jwt = fc.tuple(secret, secret).map(([a, b]) => `eyJhbGciOiJIUzI1NiJ9.eyJ${a}.${b}`);

interface Planted {
  text: string;
  secrets: string[];
}

/** A string with one secret embedded in a form the redactor must recognize inside text. */
const secretText: fc.Arbitrary<Planted> = fc.oneof(
  fc
    .tuple(filler, sensitiveKey, fc.constantFrom('=', ': ', ' = ', ':'), secret, fc.constantFrom('', '"', "'"), filler)
    .map(([before, key, sep, s, quote, after]) => ({
      text: `${before} ${key}${sep}${quote}${s}${quote} ${after}`,
      secrets: [s],
    })),
  fc
    .tuple(filler, sensitiveKey, secret, filler)
    .map(([before, key, s, after]) => ({ text: `${before} {"${key}":"${s}"} ${after}`, secrets: [s] })),
  fc
    .tuple(filler, sensitiveKey, secret, filler)
    .map(([before, key, s, after]) => ({ text: `${before} /cb?state=x&${key}=${s}&next=1 ${after}`, secrets: [s] })),
  fc.tuple(filler, card, filler).map(([before, c, after]) => ({ text: `${before} ${c} ${after}`, secrets: [c] })),
  fc
    .tuple(filler, fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Authorization: Bearer'), secret, filler)
    .map(([before, scheme, s, after]) => ({ text: `${before} ${scheme} ${s} ${after}`, secrets: [s] })),
  fc.tuple(filler, jwt, filler).map(([before, j, after]) => ({ text: `${before} ${j} ${after}`, secrets: [j] })),
);

/** A value of any shape with the secrets it carries. */
type Node = { value: unknown; secrets: string[] };

const leaf: fc.Arbitrary<Node> = fc.oneof(
  filler.map((value) => ({ value, secrets: [] })),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)).map((value) => ({ value, secrets: [] })),
  secretText.map((p) => ({ value: p.text, secrets: p.secrets })),
);

const { node } = fc.letrec<{ node: Node }>((tie) => {
  const child = tie('node') as fc.Arbitrary<Node>;
  /** Under a sensitive key anything goes: a bare secret, a number, a whole subtree. */
  const sensitiveEntry = fc.tuple(
    sensitiveKey,
    fc.oneof(
      secret.map((s) => ({ value: s, secrets: [s] })),
      child,
    ),
  );
  const entry = fc.oneof(fc.tuple(fc.string({ maxLength: 12 }), child), sensitiveEntry);
  const entries = fc.array(entry, { maxLength: 5 });
  const collect = (items: Array<[string, Node]>) => items.flatMap(([, n]) => n.secrets);
  return {
    node: fc.oneof(
      { depthSize: 'small', maxDepth: 8 },
      leaf,
      entries.map((items) => ({
        value: Object.fromEntries(items.map(([k, n]) => [k, n.value])),
        secrets: collect(items),
      })),
      fc.array(child, { maxLength: 5 }).map((items) => ({
        value: items.map((n) => n.value),
        secrets: items.flatMap((n) => n.secrets),
      })),
      entries.map((items) => ({
        value: new Map(items.map(([k, n]) => [k, n.value])),
        secrets: collect(items),
      })),
      fc.array(child, { maxLength: 4 }).map((items) => ({
        value: new Set(items.map((n) => n.value)),
        secrets: items.flatMap((n) => n.secrets),
      })),
      fc.tuple(secretText, fc.option(child, { nil: undefined })).map(([message, cause]) => ({
        value: new Error(message.text, cause === undefined ? undefined : { cause: cause.value }),
        secrets: [...message.secrets, ...(cause?.secrets ?? [])],
      })),
    ),
  };
});

const redactor = createRedactor();

function survivors(output: string, secrets: string[]): string[] {
  return secrets.filter((s) => output.includes(s));
}

describe('planted secrets', () => {
  it('none survives JSON.stringify(redact(x))', () => {
    fc.assert(
      fc.property(node, ({ value, secrets }) => {
        expect(survivors(JSON.stringify(redact(value)) ?? '', secrets)).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('none survives createRedactor().stringify(x)', () => {
    fc.assert(
      fc.property(node, ({ value, secrets }) => {
        expect(survivors(redactor.stringify(value), secrets)).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('the generator really plants secrets (so the property above can fail)', () => {
    let planted = 0;
    let visibleBefore = 0;
    fc.assert(
      fc.property(node, ({ value, secrets }) => {
        planted += secrets.length;
        const plain = JSON.stringify(value, (_k, v) =>
          v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v instanceof Error ? v.message : v,
        );
        visibleBefore += survivors(plain ?? '', secrets).length;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(planted).toBeGreaterThan(RUNS);
    expect(visibleBefore).toBeGreaterThan(RUNS / 2);
  });
});
