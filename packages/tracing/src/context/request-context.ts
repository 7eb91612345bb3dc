import { type Baggage, type Context, propagation, type Span, trace } from '@opentelemetry/api';
import { type RPCMetadata, setRPCMetadata } from '@opentelemetry/core';
import { setOtelkitContext } from '@otelkit/core';
import { correlationBaggage } from '../propagation/correlation-propagator.js';
import { type ContextKeys, contextKeys, RecordingContext } from './context-keys.js';

const capture = new RecordingContext();

/** Core's otelkit context value for `correlationId` (inheriting user and session from the current context). */
function otelkitValue(correlationId: string): unknown {
  capture.value = undefined;
  setOtelkitContext(capture, { correlationId });
  return capture.value;
}

/**
 * The context of one server request: the server span, its RPC metadata, core's otelkit context and the baggage with
 * the correlation id, over the context extracted from the request's headers. It is what
 * `setOtelkitContext(setRPCMetadata(trace.setSpan(withCorrelationBaggage(extracted, id), span), rpc), { correlationId })`
 * returns, read for read, without copying the extracted context four times per request — and the baggage is only
 * built when someone reads it (an outbound request that propagates it, say). Anything set on it is set on the
 * equivalent ordinary context, built once.
 */
class RequestContext implements Context {
  readonly #keys: ContextKeys;
  readonly #parent: Context;
  readonly #span: Span;
  readonly #rpc: RPCMetadata;
  readonly #otelkit: unknown;
  readonly #correlationId: string;
  #baggage: Baggage | undefined;
  #flat: Context | undefined;

  constructor(keys: ContextKeys, parent: Context, span: Span, rpc: RPCMetadata, correlationId: string) {
    this.#keys = keys;
    this.#parent = parent;
    this.#span = span;
    this.#rpc = rpc;
    this.#correlationId = correlationId;
    this.#otelkit = otelkitValue(correlationId);
  }

  getValue(key: symbol): unknown {
    const k = this.#keys;
    if (key === k.span) return this.#span;
    if (key === k.otelkit) return this.#otelkit;
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

  #baggageValue(): Baggage {
    this.#baggage ??= correlationBaggage(
      this.#parent.getValue(this.#keys.baggage) as Baggage | undefined,
      this.#correlationId,
    );
    return this.#baggage;
  }

  #flatten(): Context {
    const k = this.#keys;
    this.#flat ??= this.#parent
      .setValue(k.baggage, this.#baggageValue())
      .setValue(k.span, this.#span)
      .setValue(k.rpc, this.#rpc)
      .setValue(k.otelkit, this.#otelkit);
    return this.#flat;
  }
}

/** The context a server request runs in (see {@link RequestContext}). */
export function requestContext(extracted: Context, span: Span, rpc: RPCMetadata, correlationId: string): Context {
  const k = contextKeys();
  if (k !== null) return new RequestContext(k, extracted, span, rpc, correlationId);
  const withBaggage = propagation.setBaggage(
    extracted,
    correlationBaggage(propagation.getBaggage(extracted), correlationId),
  );
  return setOtelkitContext(setRPCMetadata(trace.setSpan(withBaggage, span), rpc), { correlationId });
}
