import { type Context, INVALID_SPAN_CONTEXT, propagation, trace } from '@opentelemetry/api';
import { RPCType, setRPCMetadata } from '@opentelemetry/core';
import { setOtelkitContext } from '@otelkit/core';

/** A context that only records what is set on it: how the key each helper writes under is learned. */
export class RecordingContext implements Context {
  key: symbol | undefined;
  value: unknown;
  writes = 0;

  getValue(_key: symbol): unknown {
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    this.key = key;
    this.value = value;
    this.writes++;
    return this;
  }

  deleteValue(): Context {
    return this;
  }
}

/** The key `set` writes under, when it writes exactly one value and returns the context it wrote to. */
function keyWrittenBy(set: (ctx: Context) => Context): symbol | undefined {
  try {
    const probe = new RecordingContext();
    return set(probe) === probe && probe.writes === 1 ? probe.key : undefined;
  } catch {
    return undefined;
  }
}

export interface ContextKeys {
  span: symbol;
  baggage: symbol;
  rpc: symbol;
  otelkit: symbol;
}

let keys: ContextKeys | null | undefined;

/**
 * The context keys of the active span, the baggage, the RPC metadata and core's otelkit context, learned once through
 * the public helpers that set them (`trace.setSpan`, `propagation.setBaggage`, `setRPCMetadata`,
 * `setOtelkitContext`), so that nothing here depends on how those packages spell their keys. Null when a helper does
 * not behave as expected: callers then build the context with the helpers themselves.
 */
export function contextKeys(): ContextKeys | null {
  if (keys !== undefined) return keys;
  const span = keyWrittenBy((c) => trace.setSpan(c, trace.wrapSpanContext(INVALID_SPAN_CONTEXT)));
  const baggage = keyWrittenBy((c) => propagation.setBaggage(c, propagation.createBaggage()));
  const rpc = keyWrittenBy((c) =>
    setRPCMetadata(c, { type: RPCType.HTTP, span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT) }),
  );
  const otelkit = keyWrittenBy((c) => setOtelkitContext(c, { correlationId: 'probe' }));
  const all = [span, baggage, rpc, otelkit];
  keys = span && baggage && rpc && otelkit && new Set(all).size === all.length ? { span, baggage, rpc, otelkit } : null;
  return keys;
}
