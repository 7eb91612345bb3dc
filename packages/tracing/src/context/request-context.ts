import { type Baggage, type Context, context, propagation, type Span, trace } from '@opentelemetry/api';
import { type RPCMetadata, setRPCMetadata } from '@opentelemetry/core';
import { newCorrelationId, setOtelkitContext } from '@otelkit/core';
import { correlationBaggage } from '../propagation/correlation-propagator.js';
import { type ContextKeys, contextKeys, RecordingContext } from './context-keys.js';

/** Records what core writes, reading the otelkit context of `outer` (the context the request arrived in). */
class InheritingCapture extends RecordingContext {
  readonly #outer: Context;
  readonly #otelkitKey: symbol;

  constructor(outer: Context, otelkitKey: symbol) {
    super();
    this.#outer = outer;
    this.#otelkitKey = otelkitKey;
  }

  override getValue(key: symbol): unknown {
    return key === this.#otelkitKey ? this.#outer.getValue(key) : undefined;
  }
}

/** Core's otelkit context value for `correlationId`, inheriting user and session as core would at request start. */
function otelkitValue(keys: ContextKeys, outer: Context, correlationId: string): unknown {
  const capture = new InheritingCapture(outer, keys.otelkit);
  setOtelkitContext(capture, { correlationId });
  return capture.value;
}

/**
 * The context of one server request: the server span, its RPC metadata, core's otelkit context and the baggage with
 * the correlation id, over the context extracted from the request's headers. It is what
 * `setOtelkitContext(setRPCMetadata(trace.setSpan(withCorrelationBaggage(extracted, id), span), rpc), { correlationId })`
 * returns, read for read, without copying the extracted context four times per request. What nobody reads is never
 * built: the baggage, core's otelkit value and — for a request that brought none — the correlation id itself, a
 * UUID v7 made on first use (its timestamp is then the first read, within the request, not the request's arrival).
 * Anything set on it is set on the equivalent ordinary context, built once.
 */
class RequestContext implements RequestContextHandle {
  readonly #keys: ContextKeys;
  readonly #parent: Context;
  readonly #outer: Context;
  readonly #span: Span;
  readonly #rpc: RPCMetadata;
  #correlationId: string | undefined;
  #otelkit: unknown;
  #building = false;
  #baggage: Baggage | undefined;
  #flat: Context | undefined;

  constructor(
    keys: ContextKeys,
    parent: Context,
    outer: Context,
    span: Span,
    rpc: RPCMetadata,
    correlationId: string | undefined,
  ) {
    this.#keys = keys;
    this.#parent = parent;
    this.#outer = outer;
    this.#span = span;
    this.#rpc = rpc;
    this.#correlationId = correlationId;
  }

  /** The request's correlation id: the inbound one, or a new one made now (once). */
  correlationId(): string {
    this.#correlationId ??= newCorrelationId();
    return this.#correlationId;
  }

  getValue(key: symbol): unknown {
    const k = this.#keys;
    if (key === k.span) return this.#span;
    if (key === k.otelkit) return this.#otelkitValue();
    if (key === k.rpc) return this.#rpc;
    if (key === k.baggage) return this.#baggageValue();
    return this.#parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.#flatten().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.#flatten().deleteValue(key);
  }

  #otelkitValue(): unknown {
    if (this.#otelkit === undefined) {
      // Core looks up the current context while it builds the value, and inside the request that is this one.
      if (this.#building) return undefined;
      this.#building = true;
      try {
        this.#otelkit = otelkitValue(this.#keys, this.#outer, this.correlationId());
      } finally {
        this.#building = false;
      }
    }
    return this.#otelkit;
  }

  #baggageValue(): Baggage {
    this.#baggage ??= correlationBaggage(
      this.#parent.getValue(this.#keys.baggage) as Baggage | undefined,
      this.correlationId(),
    );
    return this.#baggage;
  }

  #flatten(): Context {
    const k = this.#keys;
    this.#flat ??= this.#parent
      .setValue(k.baggage, this.#baggageValue())
      .setValue(k.span, this.#span)
      .setValue(k.rpc, this.#rpc)
      .setValue(k.otelkit, this.#otelkitValue());
    return this.#flat;
  }
}

/** A request's context together with its correlation id (made on first use when the request brought none). */
export interface RequestContextHandle extends Context {
  correlationId(): string;
}

/** The ordinary context equivalent to a {@link RequestContext}, for when core's context keys cannot be probed. */
class EagerRequestContext implements RequestContextHandle {
  readonly #ctx: Context;
  readonly #correlationId: string;

  constructor(ctx: Context, correlationId: string) {
    this.#ctx = ctx;
    this.#correlationId = correlationId;
  }

  correlationId(): string {
    return this.#correlationId;
  }

  getValue(key: symbol): unknown {
    return this.#ctx.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.#ctx.setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.#ctx.deleteValue(key);
  }
}

/**
 * The context a server request runs in (see {@link RequestContext}). `outer` is the context active when the request
 * arrived; `correlationId` the valid inbound one, if any.
 */
export function requestContext(
  extracted: Context,
  outer: Context,
  span: Span,
  rpc: RPCMetadata,
  correlationId: string | undefined,
): RequestContextHandle {
  const k = contextKeys();
  if (k !== null) return new RequestContext(k, extracted, outer, span, rpc, correlationId);
  const id = correlationId ?? newCorrelationId();
  const withBaggage = propagation.setBaggage(extracted, correlationBaggage(propagation.getBaggage(extracted), id));
  const ctx = context.with(outer, () =>
    setOtelkitContext(setRPCMetadata(trace.setSpan(withBaggage, span), rpc), { correlationId: id }),
  );
  return new EagerRequestContext(ctx, id);
}
