import {
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { ATTRIBUTE_NAMES, serializeError } from '@otelkit/core';
import { contextApi } from '../context/api.js';
import { withActiveSpan } from '../context/span-layer.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';

/** Options of {@link withSpan}: the OpenTelemetry span options, plus where the span comes from. */
export interface WithSpanOptions extends SpanOptions {
  /** The parent context. @defaultValue the active context */
  context?: Context;
  /** The tracer to use. @defaultValue the global tracer of `@otelkit/tracing` */
  tracer?: Tracer;
}

let cached: { provider: unknown; tracer: Tracer } | undefined;
let pinned: Tracer | undefined;

function defaultTracer(): Tracer {
  if (pinned !== undefined) return pinned;
  const provider = trace.getTracerProvider();
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer(PACKAGE_NAME, PACKAGE_VERSION) };
  return cached.tracer;
}

/**
 * Drops the cached tracer (the global provider was replaced). `startTracing` passes the tracer of the provider it
 * registered, so `withSpan` does not look the global provider up on every call; `shutdown` clears it.
 */
export function resetDefaultTracer(tracer?: Tracer): void {
  cached = undefined;
  pinned = tracer;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * Runs `fn` inside a new active span and ends the span when `fn` returns or its promise settles. A throw or
 * rejection is recorded (see {@link recordError}), and re-thrown unchanged.
 *
 * @example
 * ```ts
 * const receipt = await withSpan('charge card', { attributes: { 'payment.amount': 149.99 } }, async (span) => {
 *   span.setAttribute('payment.provider', 'acme');
 *   return gateway.charge(card);
 * });
 * ```
 */
export function withSpan<T>(name: string, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, options: WithSpanOptions, fn: (span: Span) => T): T;
export function withSpan<T>(
  name: string,
  optionsOrFn: WithSpanOptions | ((span: Span) => T),
  maybeFn?: (span: Span) => T,
): T {
  let options: WithSpanOptions | undefined;
  let fn: (span: Span) => T;
  if (typeof optionsOrFn === 'function') fn = optionsOrFn;
  else {
    options = optionsOrFn;
    fn = maybeFn as (span: Span) => T;
  }
  const parent = options?.context ?? contextApi.active();
  const span = (options?.tracer ?? defaultTracer()).startSpan(name, options, parent);
  let result: T;
  try {
    result = contextApi.with(withActiveSpan(parent, span), fn, undefined, span);
  } catch (error) {
    recordError(error, span);
    span.end();
    throw error;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        recordError(error, span);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/**
 * Records an error on a span (the active one by default) in the core schema: an `exception` event with
 * `exception.type`, `exception.message`, `exception.stacktrace`, `otelkit.error.fingerprint`, `otelkit.error.severity`
 * and `otelkit.error.category`; the same fingerprint, severity and category and `error.type` as span attributes; and
 * ERROR status with the message. Never throws; returns false when there is no recording span.
 *
 * @example
 * ```ts
 * try { await charge(); } catch (error) { recordError(error); throw error; }
 * ```
 */
export function recordError(error: unknown, span: Span | undefined = trace.getActiveSpan()): boolean {
  if (!span?.isRecording()) return false;
  try {
    const e = serializeError(error);
    const identity: Attributes = {
      [ATTRIBUTE_NAMES['error.fingerprint']]: e.fingerprint,
      [ATTRIBUTE_NAMES['error.severity']]: e.severity,
      [ATTRIBUTE_NAMES['error.category']]: e.category,
    };
    const event: Attributes = {
      [ATTRIBUTE_NAMES['error.type']]: e.type,
      [ATTRIBUTE_NAMES['error.message']]: e.message,
      ...identity,
    };
    if (e.stack_trace !== undefined) event[ATTRIBUTE_NAMES['error.stack_trace']] = e.stack_trace;
    span.addEvent('exception', event);
    span.setAttributes({ 'error.type': e.type, ...identity });
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    return true;
  } catch {
    return false;
  }
}

/** The ids of the active span, as logs and error reports carry them. */
export interface TraceIds {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  /** Whether the trace is sampled (exported). */
  sampled: boolean;
}

/**
 * The trace and span id of the active span, or `undefined` outside one.
 *
 * @example
 * ```ts
 * const ids = currentTraceIds(); // { traceId: '4bf9…4736', spanId: '00f0…02b7', sampled: true }
 * ```
 */
export function currentTraceIds(): TraceIds | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const sc = span.spanContext();
  if (!trace.isSpanContextValid(sc)) return undefined;
  return { traceId: sc.traceId, spanId: sc.spanId, sampled: (sc.traceFlags & 1) === 1 };
}
