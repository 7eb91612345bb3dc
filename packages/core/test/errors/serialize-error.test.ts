import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { type SerializedError, serializeError } from '../../src/index.js';

function causeDepth(e: SerializedError): number {
  let depth = 0;
  for (let c = e.cause; c; c = c.cause) depth++;
  return depth;
}

describe('serializeError', () => {
  it('keeps type, message, stack and code of an Error', () => {
    const e = Object.assign(new RangeError('amount out of range'), { code: 'E_RANGE' });
    const out = serializeError(e);
    expect(out).toMatchObject({ type: 'RangeError', message: 'amount out of range', code: 'E_RANGE' });
    expect(out.stack_trace).toBe(e.stack);
    expect(out.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names a subclass by its class when it does not set name', () => {
    class PaymentProcessingException extends Error {}
    class CardDeclinedError extends PaymentProcessingException {}
    expect(serializeError(new PaymentProcessingException('x')).type).toBe('PaymentProcessingException');
    expect(serializeError(new CardDeclinedError('x')).type).toBe('CardDeclinedError');
  });

  it('prefers an explicit name over the class name', () => {
    class HttpFailure extends Error {
      override name = 'UpstreamError';
    }
    expect(serializeError(new HttpFailure('x')).type).toBe('UpstreamError');
  });

  it('serializes the members of an AggregateError', () => {
    const out = serializeError(
      new AggregateError([new TypeError('first'), 'second', { message: 'third' }], 'all failed'),
    );
    expect(out.type).toBe('AggregateError');
    expect(out.message).toBe('all failed');
    expect(out.errors?.map((m) => [m.type, m.message])).toEqual([
      ['TypeError', 'first'],
      ['Error', 'second'],
      ['Object', 'third'],
    ]);
  });

  it('keeps at most 10 members of an AggregateError', () => {
    const members = Array.from({ length: 25 }, (_, i) => new Error(`member ${i}`));
    expect(serializeError(new AggregateError(members)).errors).toHaveLength(10);
  });

  it('follows the cause chain', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const out = serializeError(new Error('charge failed', { cause: new Error('db query failed', { cause: root }) }));
    expect(out.message).toBe('charge failed');
    expect(out.cause?.message).toBe('db query failed');
    expect(out.cause?.cause).toMatchObject({ message: root.message, code: 'ECONNREFUSED', category: 'integration' });
  });

  it('limits the cause chain to maxCauseDepth (5 by default)', () => {
    let e = new Error('level 0');
    for (let i = 1; i <= 20; i++) e = new Error(`level ${i}`, { cause: e });
    expect(causeDepth(serializeError(e))).toBe(5);
    expect(causeDepth(serializeError(e, { maxCauseDepth: 2 }))).toBe(2);
    expect(causeDepth(serializeError(e, { maxCauseDepth: 0 }))).toBe(0);
  });

  it('stops at a cause cycle a -> b -> a', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    const out = serializeError(a);
    expect(out.message).toBe('a');
    expect(out.cause?.message).toBe('b');
    expect(out.cause?.cause).toBeUndefined();
  });

  it('stops at an error that is its own cause', () => {
    const e = new Error('self');
    e.cause = e;
    expect(serializeError(e).cause).toBeUndefined();
  });

  it('serializes a thrown string', () => {
    const out = serializeError('something broke');
    expect(out).toMatchObject({ type: 'Error', message: 'something broke', severity: 'medium', category: 'logic' });
    expect(out.stack_trace).toBeUndefined();
  });

  it('serializes plain objects: their message and code, else their JSON', () => {
    expect(serializeError({ message: 'plain', code: 'E_PLAIN' })).toMatchObject({
      type: 'Object',
      message: 'plain',
      code: 'E_PLAIN',
    });
    expect(serializeError({ reason: 'unknown', amount: 1 }).message).toBe('{"reason":"unknown","amount":1}');
    const big = serializeError({ list: Array.from({ length: 1000 }, (_, i) => i) }).message;
    expect(big.length).toBe(501);
    expect(big.endsWith('…')).toBe(true);
  });

  it('serializes null, undefined, numbers, booleans, BigInt and Symbol', () => {
    expect(serializeError(null)).toMatchObject({ type: 'null', message: 'null was thrown' });
    expect(serializeError(undefined)).toMatchObject({ type: 'undefined', message: 'undefined was thrown' });
    expect(serializeError(42)).toMatchObject({ type: 'number', message: '42' });
    expect(serializeError(false)).toMatchObject({ type: 'boolean', message: 'false' });
    expect(serializeError(10n)).toMatchObject({ type: 'bigint', message: '10' });
    expect(serializeError(Symbol('s'))).toMatchObject({ type: 'symbol', message: 'Symbol(s)' });
  });

  it('keeps a numeric code as a string', () => {
    expect(serializeError(Object.assign(new Error('x'), { code: 42 })).code).toBe('42');
  });

  it('survives an object whose getters throw', () => {
    const hostile = {};
    for (const key of ['message', 'name', 'stack', 'code', 'cause']) {
      Object.defineProperty(hostile, key, {
        enumerable: true,
        get: () => {
          throw new Error('getter');
        },
      });
    }
    const out = serializeError(hostile);
    expect(out.type).toBe('Object');
    expect(out.message).toBe('[object Object]');
    expect(out.code).toBeUndefined();
  });

  it('survives an Error whose message and name getters throw', () => {
    const e = new Error('real');
    Object.defineProperty(e, 'stack', {
      get: () => {
        throw new Error('stack');
      },
    });
    Object.defineProperty(e, 'message', {
      get: () => {
        throw new Error('message');
      },
    });
    Object.defineProperty(e, 'name', {
      get: () => {
        throw new Error('name');
      },
    });
    expect(serializeError(e)).toMatchObject({ type: 'Error', message: '' });
  });

  it('survives an object whose toString throws', () => {
    const out = serializeError({
      toString() {
        throw new Error('toString');
      },
      [Symbol.toPrimitive]() {
        throw new Error('toPrimitive');
      },
    });
    expect(out.type).toBe('Object');
    expect(out.message).toBe('{}');
  });

  it('survives a Proxy that throws on every trap', () => {
    const traps = new Proxy(
      {},
      {
        get: () => () => {
          throw new Error('trap');
        },
      },
    );
    const out = serializeError(new Proxy({}, traps));
    expect(out).toMatchObject({ type: 'Object', message: '[object Unknown]' });
  });

  it('truncates a 10 MB message and its stack with a marker, quickly', { timeout: 20_000 }, () => {
    const size = 10 * 1024 * 1024;
    const e = new Error('m'.repeat(size));
    const out = serializeError(e);
    expect(out.message).toBe(`${'m'.repeat(8192)}…[truncated ${size - 8192} chars]`);
    const stackLength = (e.stack as string).length;
    expect(out.stack_trace).toBe(`${(e.stack as string).slice(0, 16384)}…[truncated ${stackLength - 16384} chars]`);
  });

  it('honours maxMessageLength and maxStackLength', () => {
    const out = serializeError(new Error('0123456789abcdef'), { maxMessageLength: 10, maxStackLength: 20 });
    expect(out.message).toBe('0123456789…[truncated 6 chars]');
    expect(out.stack_trace).toMatch(/^Error: 0123456789abc…\[truncated \d+ chars\]$/);
  });

  it('serializes errors from another realm', () => {
    const plain = serializeError(runInNewContext('new Error("x")'));
    expect(plain).toMatchObject({ type: 'Error', message: 'x', severity: 'medium', category: 'runtime' });
    expect(plain.stack_trace).toMatch(/^Error: x\n/);
    const typed = serializeError(runInNewContext('new TypeError("y", { cause: new RangeError("z") })'));
    expect(typed).toMatchObject({ type: 'TypeError', message: 'y', category: 'runtime', severity: 'high' });
    expect(typed.cause).toMatchObject({ type: 'RangeError', message: 'z' });
    const aggregate = serializeError(runInNewContext('new AggregateError([new Error("m")], "agg")'));
    expect(aggregate.errors?.[0]?.message).toBe('m');
  });

  it('lets the caller fix the fingerprint', () => {
    expect(serializeError(new Error('x'), { fingerprint: 'payment-declined' }).fingerprint).toBe('payment-declined');
  });
});
