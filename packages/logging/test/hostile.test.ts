import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';
import { capture, schemaErrors, withEnv } from './support/capture.js';

let restore: () => void;
beforeAll(() => {
  restore = withEnv({ OTEL_SERVICE_NAME: 'hostile-test', OTELKIT_LOG_LEVEL: undefined });
});
afterAll(() => restore());

/** The log methods without pino's printf typing: hostile calls are the point here. */
type Loose = Record<'debug', (...args: unknown[]) => void>;

const TEN_MB = 'x'.repeat(10 * 1024 * 1024);

/** Values built to break serializers: each one is a known way a log call has gone wrong somewhere. */
function hostileBuilders(): Array<() => unknown> {
  return [
    () => {
      const a: Record<string, unknown> = { name: 'a' };
      a.self = a;
      a.list = [a, { back: a }];
      return a;
    },
    () => ({ big: 10n ** 30n, nested: { n: -5n } }),
    () => ({ [Symbol('secret')]: 'hidden', visible: Symbol('sym-value') }),
    () =>
      Object.defineProperty({ ok: 1 }, 'boom', {
        enumerable: true,
        get() {
          throw new Error('getter exploded');
        },
      }),
    () => ({
      toJSON() {
        throw new Error('toJSON exploded');
      },
    }),
    () => ({ inner: { toJSON: () => ({ password: 'from-toJSON' }) } }),
    () => ({ huge: TEN_MB }),
    () => `line one\nline two\r\n{"level":"FATAL","message":"forged"}\u001b[31mred\u001b[0m\u0007`,
    () => Object.assign(Object.create(null), { nul: 'proto', deeper: Object.create(null) }),
    () =>
      new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('ownKeys trap');
          },
          getPrototypeOf() {
            throw new Error('getPrototypeOf trap');
          },
        },
      ),
    () =>
      new Proxy(
        { a: 1 },
        {
          get: () => {
            throw new Error('get trap');
          },
        },
      ),
    () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
    () => {
      let deep: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < 200; i++) deep = { deep };
      return deep;
    },
    () => ({ date: new Date(Number.NaN), map: new Map<unknown, unknown>([[{ k: 1 }, 'v']]), set: new Set([1, 'two']) }),
    () => ({ buf: Buffer.from('secret bytes'), typed: new Float64Array(3), fn: () => 1 }),
    () => {
      const e = new Error('bad error');
      Object.defineProperty(e, 'stack', {
        get() {
          throw new Error('stack getter');
        },
      });
      Object.defineProperty(e, 'message', {
        get() {
          throw new Error('message getter');
        },
      });
      return e;
    },
    () => {
      const e: Error & { cause?: unknown } = new Error('cyclic cause');
      e.cause = e;
      return e;
    },
    () => new AggregateError([new Error('one'), 'two'], 'many'),
    () => ({
      toString() {
        throw new Error('toString exploded');
      },
    }),
    () => [Number.NaN, Number.POSITIVE_INFINITY, -0, undefined, null, [], {}],
    () => ({ user: { id: { nested: 'object' } }, request: { method: 1, path: null }, error: { type: 7 } }),
    () => ({ correlation_id: 'has spaces and\nnewline', trace_id: 'ABCDEF0123456789ABCDEF0123456789', span_id: 12 }),
    () => ({ context: 'not an object', message: { not: 'a string' } }),
    () => '\ud800 lone surrogate \udfff and emoji 😀',
    () => ({ 'key\nwith\u001b[2Jcontrol': 'v', '': 'empty key' }),
  ];
}

const builders = hostileBuilders();
const anything = fc.anything({
  withBigInt: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
  withDate: true,
  withBoxedValues: true,
  withObjectString: true,
  withUnicodeString: true,
});

/** 10,000 values: fast-check's `anything` (seeded, so a failure replays) with a hand-built hostile value every 4th. */
function hostileValues(count: number): unknown[] {
  const random = fc.sample(anything, { numRuns: count, seed: 42 });
  return random.map((value, i) => (i % 4 === 3 ? (builders[(i >> 2) % builders.length] as () => unknown)() : value));
}

describe('hostile input never throws and never writes an invalid line', () => {
  it('logs 10,000 random hostile values in every position, and every line validates against the schema', () => {
    const out = capture();
    const logger = createLogger({ destination: out, level: 'trace', maxStringLength: 4096 });
    const child = logger.child({ component: 'fuzz' });
    const values = hostileValues(10_000);
    let calls = 0;
    values.forEach((value, i) => {
      switch (i % 6) {
        case 0:
          logger.info(value as object, 'as the merging object');
          break;
        case 1:
          logger.warn({ field: value, context: { nested: value } }, 'as a field');
          break;
        case 2:
          logger.error(value as string);
          break;
        case 3:
          logger.error({ err: value });
          break;
        case 4:
          (logger as unknown as Loose).debug('printf %s %d %j %o', value, value, value, value);
          break;
        default:
          child.child({ bound: value }).trace(value as object, value as string);
      }
      calls++;
    });
    expect(out.lines.length).toBe(calls);
    let bad = 0;
    for (const line of out.lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      const record = JSON.parse(line);
      const errors = schemaErrors(record);
      if (errors.length > 0) {
        bad++;
        if (bad < 5) console.error(errors, line.slice(0, 500));
      }
    }
    expect(bad).toBe(0);
    // Each value made it into its line: no call fell back to the `[log call failed]` placeholder.
    expect(out.lines.filter((l) => l.includes('"message":"[log call failed]"'))).toEqual([]);
  });

  it('truncates a 10 MB string with a marker, in the message and in fields', () => {
    const out = capture();
    const logger = createLogger({ destination: out, maxStringLength: 1000 });
    logger.info({ blob: TEN_MB }, TEN_MB);
    const line = out.lines[0] as string;
    expect(line.length).toBeLessThan(5000);
    const record = out.last();
    expect(schemaErrors(record)).toEqual([]);
    expect(record.message).toMatch(/^x{1000}…\[truncated 10484760 chars\]$/);
    expect((record.context as { blob: string }).blob).toMatch(/…\[truncated 10484760 chars\]$/);
  });

  it('escapes CR, LF and ANSI escapes: JSON keeps them as escapes, so no line can be forged', () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    logger.info(`paid\n{"level":"FATAL","message":"forged"}\r\n\u001b[31mred`);
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).not.toContain('\u001b');
    expect(out.last().message).toBe(`paid\n{"level":"FATAL","message":"forged"}\r\n\u001b[31mred`);
  });
});
