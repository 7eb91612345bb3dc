import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/context/uuid-v7.js';
import {
  CORRELATION_ID_HEADER,
  correlationIdFrom,
  getContext,
  isValidCorrelationId,
  newCorrelationId,
  runWithContext,
  updateContext,
} from '../../src/index.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds in the first 48 bits of a UUID v7. */
function timeOf(uuid: string): number {
  return Number.parseInt(uuid.replace(/-/g, '').slice(0, 12), 16);
}

async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await sleep(1);
}

describe('runWithContext and getContext', () => {
  it('has no context outside a run', () => {
    expect(getContext()).toBeUndefined();
  });

  it('gives the context inside and returns the result of fn', () => {
    const result = runWithContext({ correlationId: 'req-1', userId: 'user-1', sessionId: 'sess-1' }, () =>
      getContext(),
    );
    expect(result).toEqual({ correlationId: 'req-1', userId: 'user-1', sessionId: 'sess-1' });
    expect(getContext()).toBeUndefined();
  });

  it('makes a UUID v7 when no valid correlation id is given', () => {
    expect(runWithContext({}, () => getContext()?.correlationId)).toMatch(UUID_V7);
    expect(runWithContext({ correlationId: 'bad\r\nid' }, () => getContext()?.correlationId)).toMatch(UUID_V7);
  });

  it('nests: inner runs inherit what they do not set, and the outer context comes back', () => {
    runWithContext({ correlationId: 'outer', userId: 'user-1', sessionId: 'sess-1' }, () => {
      runWithContext({ userId: 'user-2' }, () => {
        expect(getContext()).toEqual({ correlationId: 'outer', userId: 'user-2', sessionId: 'sess-1' });
        runWithContext({ correlationId: 'inner' }, () => {
          expect(getContext()).toEqual({ correlationId: 'inner', userId: 'user-2', sessionId: 'sess-1' });
        });
      });
      runWithContext({ correlationId: 'in valid' }, () => {
        expect(getContext()?.correlationId).toBe('outer');
      });
      expect(getContext()).toEqual({ correlationId: 'outer', userId: 'user-1', sessionId: 'sess-1' });
    });
  });

  it('restores the outer context when fn throws', () => {
    runWithContext({ correlationId: 'outer' }, () => {
      expect(() =>
        runWithContext({ correlationId: 'inner' }, () => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(getContext()?.correlationId).toBe('outer');
    });
  });

  it('cuts user and session ids to 256 characters', () => {
    const ctx = runWithContext({ correlationId: 'c', userId: 'u'.repeat(1000), sessionId: 's'.repeat(300) }, () =>
      getContext(),
    );
    expect(ctx?.userId).toHaveLength(256);
    expect(ctx?.sessionId).toHaveLength(256);
  });

  it('follows the work across await, timers, promises, microtasks, nextTick and events', async () => {
    const seen = await runWithContext({ correlationId: 'async-1' }, async () => {
      const ids: Array<string | undefined> = [];
      const id = () => getContext()?.correlationId;
      await Promise.resolve();
      ids.push(id());
      await sleep(2);
      ids.push(id());
      ids.push(await new Promise<string | undefined>((r) => setTimeout(() => r(id()), 1)));
      ids.push(await new Promise<string | undefined>((r) => setImmediate(() => r(id()))));
      ids.push(await new Promise<string | undefined>((r) => queueMicrotask(() => r(id()))));
      ids.push(await new Promise<string | undefined>((r) => process.nextTick(() => r(id()))));
      ids.push(await Promise.resolve().then(id));
      ids.push(
        ...(await Promise.all(
          [1, 2].map(async () => {
            await sleep(1);
            return id();
          }),
        )),
      );
      const emitter = new EventEmitter();
      const event = once(emitter, 'go');
      setTimeout(() => emitter.emit('go'), 1);
      await event;
      ids.push(id());
      return ids;
    });
    expect(seen).toEqual(Array(10).fill('async-1'));
    expect(getContext()).toBeUndefined();
  });

  it('keeps concurrent runs apart', async () => {
    const runs = Array.from({ length: 25 }, (_, i) =>
      runWithContext({ correlationId: `req-${i}`, userId: `user-${i}` }, async () => {
        const seen: string[] = [];
        for (let step = 0; step < 4; step++) {
          await sleep((i * 7 + step * 3) % 5);
          seen.push(`${getContext()?.correlationId}/${getContext()?.userId}`);
        }
        return seen;
      }),
    );
    const results = await Promise.all(runs);
    results.forEach((seen, i) => {
      expect(seen).toEqual(Array(4).fill(`req-${i}/user-${i}`));
    });
  });
});

describe('updateContext', () => {
  it('returns false outside a run', () => {
    expect(updateContext({ userId: 'u' })).toBe(false);
    expect(getContext()).toBeUndefined();
  });

  it('adds the user to the current run, seen after awaits and by runs started later', async () => {
    await runWithContext({ correlationId: 'req-1' }, async () => {
      expect(getContext()?.userId).toBeUndefined();
      await sleep(1);
      expect(updateContext({ userId: 'user-12345', sessionId: 'sess-abc123' })).toBe(true);
      await sleep(1);
      expect(getContext()).toEqual({ correlationId: 'req-1', userId: 'user-12345', sessionId: 'sess-abc123' });
      runWithContext({ correlationId: 'child' }, () => {
        expect(getContext()?.userId).toBe('user-12345');
      });
    });
  });

  it('does not reach a concurrent run, nor the parent of a nested run', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const other = runWithContext({ correlationId: 'other' }, async () => {
      await gate;
      return getContext()?.userId;
    });
    await runWithContext({ correlationId: 'me' }, async () => {
      runWithContext({}, () => updateContext({ userId: 'nested-only' }));
      expect(getContext()?.userId).toBeUndefined();
      updateContext({ userId: 'me-user' });
      release();
    });
    expect(await other).toBeUndefined();
  });

  it('cuts ids to 256 characters', () => {
    runWithContext({ correlationId: 'c' }, () => {
      updateContext({ userId: 'x'.repeat(500) });
      expect(getContext()?.userId).toHaveLength(256);
    });
  });
});

describe('correlationIdFrom', () => {
  it('reads x-correlation-id from a Node headers object', () => {
    expect(CORRELATION_ID_HEADER).toBe('x-correlation-id');
    expect(correlationIdFrom({ 'x-correlation-id': 'req-7f3b2a1c-4d5e', host: 'a' })).toBe('req-7f3b2a1c-4d5e');
  });

  it('takes the first of repeated headers (an array)', () => {
    expect(correlationIdFrom({ 'x-correlation-id': ['first-1', 'second-2'] })).toBe('first-1');
  });

  it('finds the header in any case in a plain object', () => {
    expect(correlationIdFrom({ 'X-Correlation-ID': 'Mixed.Case:1' })).toBe('Mixed.Case:1');
  });

  it('reads a fetch Headers object', () => {
    expect(correlationIdFrom(new Headers({ 'X-Correlation-Id': 'from-fetch' }))).toBe('from-fetch');
    const repeated = new Headers();
    repeated.append('x-correlation-id', 'a');
    repeated.append('x-correlation-id', 'b');
    expect(correlationIdFrom(repeated)).toMatch(UUID_V7); // "a, b" is not a valid id
  });

  it('accepts 1 to 128 characters of [A-Za-z0-9._:-]', () => {
    for (const id of ['a', 'A-z_0.9:x', 'x'.repeat(128), '0192c9a4-7b1e-7c3d-9f2a-1b2c3d4e5f60']) {
      expect(correlationIdFrom({ 'x-correlation-id': id })).toBe(id);
      expect(isValidCorrelationId(id)).toBe(true);
    }
  });

  it.each([
    ['CR/LF', 'abc\r\nSet-Cookie: session=1'],
    ['LF', 'abc\ndef'],
    ['129 characters', 'x'.repeat(129)],
    ['empty', ''],
    ['unicode', 'réq-ü-1'],
    ['emoji', 'req-🔥'],
    ['spaces', 'req 1'],
    ['a tab', 'req\t1'],
    ['a slash', 'req/1'],
    ['a number', 42],
  ])('replaces an id with %s by a new UUID v7', (_name, bad) => {
    const id = correlationIdFrom({ 'x-correlation-id': bad as string });
    expect(id).toMatch(UUID_V7);
    expect(id).not.toBe(bad);
    expect(isValidCorrelationId(bad)).toBe(false);
  });

  it('makes a new id when there is no header or no headers', () => {
    expect(correlationIdFrom({})).toMatch(UUID_V7);
    expect(correlationIdFrom(undefined)).toMatch(UUID_V7);
    expect(correlationIdFrom(null)).toMatch(UUID_V7);
    expect(correlationIdFrom(new Headers())).toMatch(UUID_V7);
  });

  it('never throws on headers that throw', () => {
    const hostile = {
      get() {
        throw new Error('get');
      },
    };
    expect(correlationIdFrom(hostile)).toMatch(UUID_V7);
  });

  describe('on a real HTTP server', () => {
    let server: http.Server;
    let url = '';
    beforeAll(async () => {
      server = http.createServer((req, res) => res.end(correlationIdFrom(req.headers)));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('keeps a valid inbound id and replaces an oversized one', async () => {
      const keep = await fetch(url, { headers: { 'X-Correlation-Id': 'req-7f3b2a1c-4d5e' } });
      expect(await keep.text()).toBe('req-7f3b2a1c-4d5e');
      const big = await fetch(url, { headers: { 'x-correlation-id': 'y'.repeat(4000) } });
      expect(await big.text()).toMatch(UUID_V7);
      const none = await fetch(url);
      expect(await none.text()).toMatch(UUID_V7);
    });
  });
});

describe('new correlation ids (UUID v7)', () => {
  it('have version 7 and the RFC 9562 variant', () => {
    for (let i = 0; i < 1000; i++) {
      const id = newCorrelationId();
      expect(id).toMatch(UUID_V7);
      expect(id[14]).toBe('7');
      expect(['8', '9', 'a', 'b']).toContain(id[19]);
      expect(isValidCorrelationId(id)).toBe(true);
    }
  });

  it('carry the creation time in milliseconds', () => {
    const before = Date.now();
    const id = newCorrelationId();
    const after = Date.now();
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(after);
  });

  it('sort by time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(newCorrelationId());
      await nextMillisecond();
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids.map(timeOf)).size).toBe(5);
  });

  it('carry the given millisecond exactly, whatever the order of the times asked for (the timestamp part is cached)', () => {
    const times = [1_700_000_000_000, 1_700_000_000_000, 0, 1, 1_700_000_000_001, 1_700_000_000_000, 2 ** 48 - 1, 5.9];
    for (const now of times) {
      const id = uuidv7(now);
      expect(id).toMatch(UUID_V7);
      expect(timeOf(id)).toBe(Math.floor(now));
    }
    expect(timeOf(uuidv7(2 ** 48 + 5))).toBe(2 ** 48 - 1);
    expect(timeOf(uuidv7(-3))).toBe(0);
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newCorrelationId()));
    expect(ids.size).toBe(20_000);
  });

  it('have 74 random bits: every random digit takes every value it may, across many batches of random bytes', () => {
    // Within one millisecond only the random tail differs, so this sees the tail alone (over many pool refills).
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    const tails = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = uuidv7(1_700_000_000_000);
      expect(id).toMatch(UUID_V7);
      expect(id.slice(0, 15)).toBe('018bcfe5-6800-7');
      tails.add(id.slice(15));
      for (let c = 15; c < 36; c++) seen[c]?.add(id[c] as string);
    }
    expect(tails.size).toBe(5000);
    for (let c = 15; c < 36; c++) {
      const values = [...(seen[c] as Set<string>)].sort().join('');
      if (c === 18 || c === 23) expect(values).toBe('-');
      else if (c === 19) expect(values).toBe('89ab');
      else expect(values).toBe('0123456789abcdef');
    }
  });
});
