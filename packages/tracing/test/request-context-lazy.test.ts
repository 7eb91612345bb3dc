import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { RPCType } from '@opentelemetry/core';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { getContext, runWithContext } from '@otelkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestContext } from '../src/context/request-context.js';
import { startTracing, type Tracing } from '../src/index.js';

// A request that brings no correlation id gets one on first use; core's otelkit value is built on first read too. Built
// late, inside the request's own context, both must still be what building them on arrival would have given.

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request context built on first use', () => {
  let tracing: Tracing;

  beforeAll(() => {
    tracing = startTracing({ exporter: new InMemorySpanExporter(), instrumentations: [], exitHandlers: false });
  });

  afterAll(() => tracing.shutdown());

  function make(outer = context.active(), inbound?: string) {
    const span = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 0 });
    return requestContext(ROOT_CONTEXT, outer, span, { type: RPCType.HTTP, span }, inbound);
  }

  it('makes one id on first use and gives the same one to core, the baggage and later reads', () => {
    const ctx = make();
    const inside = context.with(ctx, () => ({
      core: getContext()?.correlationId,
      again: getContext()?.correlationId,
      baggage: propagation.getBaggage(context.active())?.getEntry('otelkit.correlation_id')?.value,
    }));
    expect(inside.core).toMatch(UUID_V7);
    expect(inside.again).toBe(inside.core);
    expect(inside.baggage).toBe(inside.core);
    expect(ctx.correlationId()).toBe(inside.core);
    // Two requests, two ids.
    expect(context.with(make(), () => getContext()?.correlationId)).not.toBe(inside.core);
  });

  it('keeps an inbound id', () => {
    const ctx = make(context.active(), 'req-inbound-7');
    expect(context.with(ctx, () => getContext()?.correlationId)).toBe('req-inbound-7');
    expect(ctx.correlationId()).toBe('req-inbound-7');
  });

  it('inherits user and session from the context the request arrived in, not from itself', () => {
    const outer = runWithContext({ correlationId: 'outer-1', userId: 'user-9', sessionId: 'sess-3' }, () =>
      context.active(),
    );
    const ctx = make(outer);
    const seen = context.with(ctx, () => getContext());
    expect(seen?.userId).toBe('user-9');
    expect(seen?.sessionId).toBe('sess-3');
    // The request's own id, not the outer one: a new request is a new unit of work.
    expect(seen?.correlationId).toMatch(UUID_V7);
    // Read first through a value set on the context (which copies everything), the answer is the same.
    const viaChild = make(outer);
    const key = Symbol('child');
    const child = viaChild.setValue(key, 1);
    expect(context.with(child, () => getContext()?.userId)).toBe('user-9');
    expect(context.with(child, () => getContext()?.correlationId)).toBe(viaChild.correlationId());
  });
});
