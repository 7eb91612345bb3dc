import { runWithContext } from '@otelkit/core';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, type OtelkitLogger } from '../src/index.js';
import { capture, schemaErrors, withEnv } from './support/capture.js';

// The logger writes its lines itself instead of through pino's serializer loop (the logging benchmark's hot path).
// pino's own writer still runs for a stream that wants pino's metadata (multistream) and for children with pino
// options such as `msgPrefix`; both must give byte-identical lines for the same calls.

let restore: () => void;
beforeAll(() => {
  restore = withEnv({
    OTEL_SERVICE_NAME: 'payment-service',
    OTELKIT_ENVIRONMENT: 'production',
    OTELKIT_SERVICE_VERSION: 'v2.3.1',
    OTEL_RESOURCE_ATTRIBUTES: 'host.name=pod-1',
    OTELKIT_LOG_LEVEL: 'trace',
  });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-23T10:00:00.123Z'));
});
afterEach(() => vi.setSystemTime(new Date('2026-11-23T10:00:00.123Z')));
afterAll(() => {
  vi.useRealTimers();
  restore();
});

class PaymentError extends Error {
  code = 'E_DECLINED';
}

/** The same calls, each with a fresh logger of its own. */
const calls: Array<[string, (log: OtelkitLogger) => void]> = [
  ['message only', (log) => log.info('payment accepted')],
  ['no message', (log) => log.info({ amount: 1 })],
  ['printf arguments', (log) => log.warn('retry %d of %s: %j', 2, 'gateway', { a: 1 })],
  [
    'schema fields and context',
    (log) =>
      log.error(
        {
          correlation_id: 'req-7f3b2a1c-4d5e',
          trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
          span_id: '00f067aa0ba902b7',
          user: { id: 'user-1', session_id: 'sess-1' },
          request: { method: 'POST', path: '/payments?card=4111111111111111', status_code: 402, duration_ms: 12.5 },
          amount: 149.99,
          password: 'hunter2',
          note: 'card 4111 1111 1111 1111 "quoted"\n',
        },
        'Failed to charge card',
      ),
  ],
  ['error object', (log) => log.error(new PaymentError('declined for alice@example.com'))],
  ['error with message', (log) => log.fatal({ err: new TypeError('boom') }, 'crashed')],
  ['non-string message', (log) => log.debug({ a: 1 }, { nested: true } as unknown as string)],
  ['control characters and unicode', (log) => log.trace('line\u2028two \u001b[31m red \ud800 ✓')],
  [
    'cyclic and bigint',
    (log) => {
      const cyclic: Record<string, unknown> = { n: 10n };
      cyclic.self = cyclic;
      log.info({ cyclic }, 'hostile');
    },
  ],
  ['child bindings', (log) => log.child({ name: 'payment', correlation_id: 'c-1', tenant: 't-9' }).info('bound')],
  [
    'core context',
    (log) => runWithContext({ correlationId: 'ctx-1', userId: 'u-7' }, () => log.info({ step: 'x' }, 'in context')),
  ],
];

describe('the direct line writer matches pino’s writer byte for byte', () => {
  for (const [name, call] of calls) {
    it(name, () => {
      const direct = capture();
      const viaPino = capture();
      // One call site for both, so that errors created inside get identical stacks (and fingerprints).
      for (const destination of [direct, pino.multistream([{ stream: viaPino, level: 'trace' }])]) {
        call(createLogger({ destination }));
      }
      expect(direct.lines.length).toBeGreaterThan(0);
      expect(direct.lines).toEqual(viaPino.lines);
      for (const record of direct.records()) expect(schemaErrors(record)).toEqual([]);
    });
  }
});

describe('pino child options keep pino’s writer', () => {
  it('applies a child msgPrefix', () => {
    const out = capture();
    createLogger({ destination: out }).child({}, { msgPrefix: '[gateway] ' }).info('timeout');
    expect(out.last().message).toBe('[gateway] timeout');
    expect(schemaErrors(out.last())).toEqual([]);
  });

  it('keeps the direct writer for a child with only serializers', () => {
    const out = capture();
    const child = createLogger({ destination: out }).child(
      {},
      { serializers: { card: (v: unknown) => `****${String(v).slice(-4)}` } },
    );
    child.info({ card: '4111111111111111' }, 'charged');
    expect((out.last().context as Record<string, unknown>).card).toBe('****1111');
  });
});
