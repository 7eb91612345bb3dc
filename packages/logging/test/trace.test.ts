import { context, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { runWithContext } from '@otelkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';
import { capture, schemaErrors } from './support/capture.js';

const provider = new NodeTracerProvider();
beforeAll(() => {
  provider.register();
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

/** Runs `fn` under a remote parent whose trace id we choose (as if propagated from another service). */
function underTrace<T>(traceId: string, fn: () => T): T {
  const parent = trace.wrapSpanContext({ traceId, spanId: '1111111111111111', traceFlags: 1, isRemote: true });
  return context.with(trace.setSpan(context.active(), parent), fn);
}

describe('trace correlation from the active span (real SDK tracer provider)', () => {
  it('stamps trace_id and span_id of the active span, across awaits and nested spans', async () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    const tracer = trace.getTracer('test');
    const ids: Array<{ traceId: string; spanId: string }> = [];
    await tracer.startActiveSpan('outer', async (outer) => {
      ids.push(outer.spanContext());
      logger.info('in outer');
      await new Promise((r) => setTimeout(r, 5));
      await tracer.startActiveSpan('inner', async (inner) => {
        ids.push(inner.spanContext());
        await Promise.resolve();
        logger.info('in inner');
        inner.end();
      });
      logger.info('back in outer');
      outer.end();
    });
    logger.info('no span');
    const records = out.records();
    for (const r of records) expect(schemaErrors(r)).toEqual([]);
    expect(records.map((r) => [r.trace_id, r.span_id])).toEqual([
      [ids[0]?.traceId, ids[0]?.spanId],
      [ids[1]?.traceId, ids[1]?.spanId],
      [ids[0]?.traceId, ids[0]?.spanId],
      [undefined, undefined],
    ]);
    expect(ids[0]?.traceId).toBe(ids[1]?.traceId);
  });

  it('lets an explicit trace id in the merging object win over the active span', () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    trace.getTracer('test').startActiveSpan('s', (span) => {
      logger.info({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' }, 'explicit');
      span.end();
    });
    expect(out.last()).toMatchObject({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
  });
});

describe('per-request DEBUG escalation', () => {
  const IN_SAMPLE = '0123456789abcdef0000000000000001'; // low 56 bits near 0: inside any ratio > 0
  const OUT_OF_SAMPLE = '0123456789abcdef00ffffffffffffff'; // low 56 bits near 2^56: outside any ratio < 1

  it('logs DEBUG for traces in OTELKIT_DEBUG_SAMPLE_RATIO, decided from the trace id', () => {
    const out = capture();
    const logger = createLogger({ destination: out, level: 'info', debugSampleRatio: 0.5 });
    underTrace(IN_SAMPLE, () => logger.debug('sampled'));
    underTrace(OUT_OF_SAMPLE, () => logger.debug('not sampled'));
    logger.debug('no trace');
    logger.trace('trace level is never escalated');
    expect(out.records().map((r) => r.message)).toEqual(['sampled']);
    expect(out.last()).toMatchObject({ level: 'DEBUG', trace_id: IN_SAMPLE });
    expect(logger.level).toBe('info');
  });

  it('agrees across services: two loggers with the same ratio pick the same traces', () => {
    const a = capture();
    const b = capture();
    const serviceA = createLogger({ destination: a, debugSampleRatio: 0.3 });
    const serviceB = createLogger({ destination: b, debugSampleRatio: 0.3 });
    const tracer = trace.getTracer('test');
    for (let i = 0; i < 200; i++) {
      tracer.startActiveSpan('request', (span) => {
        serviceA.debug('a');
        underTrace(span.spanContext().traceId, () => serviceB.debug('b'));
        span.end();
      });
    }
    const traceIds = (lines: ReturnType<typeof capture>) => lines.records().map((r) => r.trace_id);
    expect(traceIds(a)).toEqual(traceIds(b));
    // About 30% of 200: a wide band, so the check cannot flake, yet 0% or 100% fails it.
    expect(a.lines.length).toBeGreaterThan(20);
    expect(a.lines.length).toBeLessThan(120);
  });

  it('logs DEBUG for user ids and correlation ids on the runtime allow list, for children too', () => {
    const out = capture();
    const logger = createLogger({ destination: out, level: 'info' });
    const child = logger.child({ component: 'payments' });
    expect(logger.isLevelEnabled('debug')).toBe(false);
    runWithContext({ correlationId: 'req-1', userId: 'user-42' }, () => child.debug('before the list'));
    logger.debugAllowList.add('user-42').add('req-special');
    runWithContext({ correlationId: 'req-2', userId: 'user-42' }, () => {
      expect(child.isLevelEnabled('debug')).toBe(true);
      child.debug('user on the list');
    });
    runWithContext({ correlationId: 'req-special' }, () => logger.debug('correlation id on the list'));
    runWithContext({ correlationId: 'req-3', userId: 'user-7' }, () => child.debug('someone else'));
    logger.debug('no request');
    expect(logger.level).toBe('info');
    logger.debugAllowList.delete('user-42');
    logger.debugAllowList.delete('req-special');
    runWithContext({ correlationId: 'req-4', userId: 'user-42' }, () => child.debug('after removal'));
    expect(out.records().map((r) => r.message)).toEqual(['user on the list', 'correlation id on the list']);
    expect(logger.debugAllowList.size).toBe(0);
  });

  it('takes the initial allow list from options', () => {
    const out = capture();
    const logger = createLogger({ destination: out, debugAllowList: ['user-1'] });
    runWithContext({ userId: 'user-1' }, () => logger.debug('listed'));
    expect(out.records().map((r) => r.message)).toEqual(['listed']);
    expect([...logger.debugAllowList.values()]).toEqual(['user-1']);
  });
});
