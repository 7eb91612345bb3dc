import {
  type Context,
  type Link,
  type Span,
  SpanKind,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { type Sampler, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { contextApi, isValidSpanContext, traceApi } from '../context/api.js';
import { withActiveSpan } from '../context/span-layer.js';
import type { PeekingIdGenerator } from './pooled-id-generator.js';

const NO_ATTRIBUTES = Object.freeze({});
const NO_LINKS = Object.freeze([]) as unknown as Link[];
const NOT_RECORD = SamplingDecision.NOT_RECORD;
const INTERNAL = SpanKind.INTERNAL;
const UNSAMPLED = TraceFlags.NONE;

/**
 * The SDK's tracer, except that a span the sampler drops is made here: the same non-recording span, with the same
 * trace id, span id, flags and trace state, as the SDK's `startSpan` returns for it. The SDK's path for it costs
 * about 0.3 µs more per span (its getters, link and attribute copies, debug logging and span-count metric), and with a
 * ratio sampler most server requests take it.
 *
 * The sampler decides first, on the trace id the SDK would use (for a new trace, the one the id generator hands out
 * next, {@link PeekingIdGenerator.peekTraceId}). A span it records goes to the SDK, which draws that same trace id and
 * decides again, the same way. That is sound only for a sampler whose decision depends on its arguments alone, with no
 * side effects — which is why {@link fastDropTracerProvider} is used only with the built-in samplers.
 */
class FastDropTracer implements Tracer {
  readonly #sdk: Tracer;
  readonly #sampler: Sampler;
  readonly #ids: PeekingIdGenerator;

  constructor(sdk: Tracer, sampler: Sampler, ids: PeekingIdGenerator) {
    this.#sdk = sdk;
    this.#sampler = sampler;
    this.#ids = ids;
  }

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span {
    // Root spans, links and suppressed tracing stay with the SDK: rare, and each has a rule of its own there.
    if (options.root || options.links?.length || isTracingSuppressed(ctx))
      return this.#sdk.startSpan(name, options, ctx);
    const parent = traceApi.getSpanContext(ctx);
    const child = parent !== undefined && isValidSpanContext(parent);
    const traceId = child ? parent.traceId : this.#ids.peekTraceId();
    const result = this.#sampler.shouldSample(
      ctx,
      traceId,
      name,
      options.kind ?? INTERNAL,
      options.attributes ?? NO_ATTRIBUTES,
      NO_LINKS,
    );
    if (result.decision !== NOT_RECORD) return this.#sdk.startSpan(name, options, ctx);
    // The SDK draws the span id, then (for a new trace) the trace id: the peeked one.
    const spanId = this.#ids.generateSpanId();
    return traceApi.wrapSpanContext({
      traceId: child ? traceId : this.#ids.generateTraceId(),
      spanId,
      traceFlags: UNSAMPLED,
      traceState: result.traceState ?? (child ? parent.traceState : undefined),
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan(name: string, ...args: unknown[]): unknown {
    // The SDK's argument rules: (name, fn), (name, options, fn), (name, options, context, fn).
    if (args.length < 1) return undefined;
    const fn = args[Math.min(args.length, 3) - 1] as (span: Span) => unknown;
    const options = args.length >= 2 ? (args[0] as SpanOptions | undefined) : undefined;
    const ctx = args.length >= 3 ? (args[1] as Context | undefined) : undefined;
    const parent = ctx ?? contextApi.active();
    const span = this.startSpan(name, options, parent);
    return contextApi.with(withActiveSpan(parent, span), fn, undefined, span);
  }
}

/**
 * `provider`, whose tracers make dropped spans themselves (see {@link FastDropTracer}). `sampler` and `ids` must be the
 * provider's own, and `sampler` one whose decision depends on its arguments alone (the built-in ones).
 */
export function fastDropTracerProvider(
  provider: TracerProvider,
  sampler: Sampler,
  ids: PeekingIdGenerator,
): TracerProvider {
  const tracers = new WeakMap<Tracer, Tracer>();
  return {
    getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
      const sdk = provider.getTracer(name, version, options);
      let tracer = tracers.get(sdk);
      if (tracer === undefined) {
        tracer = new FastDropTracer(sdk, sampler, ids);
        tracers.set(sdk, tracer);
      }
      return tracer;
    },
  };
}
