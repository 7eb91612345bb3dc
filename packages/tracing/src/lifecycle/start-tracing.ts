import { createRequire, register } from 'node:module';
import {
  context,
  createNoopMeter,
  type MeterProvider,
  propagation,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator } from '@opentelemetry/core';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createRedactor, getResource, type RedactorOptions, warnOnce } from '@otelkit/core';
import { createBatchProcessor } from '../export/bounded-batch-processor.js';
import { createSpanRedactor } from '../export/redact-span.js';
import { createRetryingExporter } from '../export/retrying-exporter.js';
import { HOOKED_MODULES, loadInstrumentations } from '../instrumentations/load-instrumentations.js';
import { CorrelationPropagator } from '../propagation/correlation-propagator.js';
import { StrictTraceContextPropagator } from '../propagation/trace-context.js';
import { fastDropTracerProvider } from '../spans/fast-drop-tracer.js';
import { createPooledIdGenerator } from '../spans/pooled-id-generator.js';
import { resetDefaultTracer } from '../spans/span-helpers.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { installExitHooks } from './exit-hooks.js';
import type { InstrumentationName, TracingOptions } from './options.js';
import { type ResolvedTracingConfig, resolveConfig } from './resolve-config.js';
import { samplerFromConfig } from './sampler-from-config.js';

const noopMeter = createNoopMeter();
const NO_METRICS: MeterProvider = { getMeter: () => noopMeter };

/** The running tracing, as `startTracing` returns it. */
export interface Tracing {
  /** A tracer of `@otelkit/tracing` on this SDK. */
  readonly tracer: Tracer;
  /** Instrumentations that were enabled (those whose module is installed), by name. */
  readonly instrumentations: readonly InstrumentationName[];
  /** Exports every finished span now; resolves within `timeoutMs` whatever happens. Never rejects. */
  forceFlush(timeoutMs?: number): Promise<void>;
  /** Flushes, stops the instrumentations and releases the global SDK slots so `startTracing` can run again. */
  shutdown(timeoutMs?: number): Promise<void>;
}

const SLOT = Symbol.for('otelkit.tracing.v1');
const requireHere = createRequire(import.meta.url);

interface Slot {
  running?: Tracing;
  esmHookFor?: Set<string>;
}

function slot(): Slot {
  const holder = globalThis as unknown as Record<symbol, Slot | undefined>;
  let value = holder[SLOT];
  if (value === undefined) {
    value = {};
    Object.defineProperty(globalThis, SLOT, { value, enumerable: false, configurable: true, writable: false });
  }
  return value;
}

function propagatorFor(names: readonly string[]): TextMapPropagator {
  const list: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'tracecontext') list.push(new StrictTraceContextPropagator());
    else if (name === 'baggage') list.push(new W3CBaggagePropagator());
    else if (name === 'b3' || name === 'b3multi') {
      const { B3Propagator, B3InjectEncoding } = requireHere('@opentelemetry/propagator-b3');
      list.push(
        new B3Propagator({
          injectEncoding: name === 'b3' ? B3InjectEncoding.SINGLE_HEADER : B3InjectEncoding.MULTI_HEADER,
        }),
      );
    } else if (name === 'jaeger') {
      const { JaegerPropagator } = requireHere('@opentelemetry/propagator-jaeger');
      list.push(new JaegerPropagator());
    }
  }
  list.push(new CorrelationPropagator());
  return new CompositePropagator({ propagators: list });
}

/**
 * The headers `propagator` reads, when it is made of propagators that read nothing else (W3C trace context and
 * baggage, and the correlation id): a request with none of them extracts to the root context. Undefined when B3 or
 * Jaeger is configured, whose `fields()` do not list every header they read (B3 reads both of its encodings, Jaeger
 * every `uberctx-` header), and when the global propagator is not this one (another SDK registered first).
 */
function extractedHeaders(names: readonly string[], propagator: TextMapPropagator): readonly string[] | undefined {
  // Core's config has already turned `none` into an empty list.
  const known = names.every((name) => name === 'tracecontext' || name === 'baggage');
  const fields = propagator.fields();
  const global = propagation.fields();
  const registered = global.length === fields.length && global.every((field, i) => field === fields[i]);
  return known && registered ? fields : undefined;
}

function redactorOptions(config: ResolvedTracingConfig, options: RedactorOptions | undefined): RedactorOptions {
  const envKeys = config.env.redaction.keys;
  const given = options?.keys;
  const keys =
    typeof given === 'function'
      ? (defaults: readonly string[]) => given([...defaults, ...envKeys])
      : [...envKeys, ...(given ?? [])];
  return { ...options, keys, pii: options?.pii ?? config.env.redaction.pii };
}

function otlpExporter(config: ResolvedTracingConfig): SpanExporter {
  return createRetryingExporter({
    timeoutMs: config.exportTimeoutMs,
    // Loaded on the first export, not at start: gRPC and protobuf are most of the SDK's start-up time.
    load: async () => {
      const { createOtlpGrpcSpanExporter } = await import('../export/otlp-grpc-span-exporter.js');
      return createOtlpGrpcSpanExporter({ url: config.endpoint, timeoutMillis: config.exportTimeoutMs });
    },
  });
}

/** ES module apps load frameworks through the loader, which only import-in-the-middle's hook can patch. */
function registerEsmHook(enabled: readonly InstrumentationName[]): void {
  const modules = enabled.flatMap((name) => HOOKED_MODULES[name] ?? []);
  const s = slot();
  const missing = modules.filter((m) => !s.esmHookFor?.has(m));
  if (missing.length === 0 || typeof register !== 'function') return;
  try {
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: missing } });
    s.esmHookFor ??= new Set();
    for (const m of missing) s.esmHookFor.add(m);
  } catch (error) {
    warnOnce('tracing.esm-hook', 'could not register the ES module hook; ESM imports of express/pg stay untraced', {
      error: String(error),
    });
  }
}

function disabledTracing(): Tracing {
  return {
    tracer: trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION),
    instrumentations: [],
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/**
 * Starts tracing for this process: the OpenTelemetry Node tracer provider with the core resource, the configured
 * sampler and span limits, a bounded batch processor exporting over OTLP/gRPC with retries, W3C trace context +
 * baggage + correlation-id propagation, and the chosen instrumentations. Call it before the app loads its framework.
 * Calling it again returns the running instance. Invalid `OTEL_*`/`OTELKIT_*` variables or options throw one
 * `ConfigError` here; nothing throws later. `OTEL_SDK_DISABLED=true` returns a no-op.
 *
 * @example
 * ```ts
 * import { startTracing } from '@otelkit/tracing';
 * const tracing = startTracing({ instrumentations: (defaults) => defaults.filter((n) => n !== 'pg') });
 * // … on the way out, if exit handlers are off:
 * await tracing.shutdown();
 * ```
 */
export function startTracing(options: TracingOptions = {}): Tracing {
  const s = slot();
  if (s.running) {
    warnOnce('tracing.start.again', 'startTracing was called again; the running instance is returned unchanged');
    return s.running;
  }
  const config = resolveConfig(options);
  if (config.env.sdkDisabled) return disabledTracing();

  const env = config.env;
  const redactor = createRedactor(redactorOptions(config, options.redact));
  const processor = createBatchProcessor({
    ...env.traces.batch,
    exporter: options.exporter ?? otlpExporter(config),
    destination: options.exporter ? 'the configured exporter' : config.endpoint,
    prepare: createSpanRedactor(redactor),
  });
  const spanLimits: { attributeCountLimit: number; attributeValueLengthLimit?: number } = {
    attributeCountLimit: env.traces.attributeCountLimit,
  };
  if (env.traces.attributeValueLengthLimit !== undefined) {
    spanLimits.attributeValueLengthLimit = env.traces.attributeValueLengthLimit;
  }
  const sampler = options.sampler ?? samplerFromConfig(env.traces);
  const ids = createPooledIdGenerator();
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(getResource(env).attributes)),
    sampler,
    spanLimits,
    spanProcessors: [processor],
    idGenerator: ids,
  });
  const propagator = propagatorFor(env.traces.propagators);
  provider.register({ propagator });
  // The built-in samplers decide on their arguments alone, so the spans they drop can be made without the SDK; a
  // custom sampler (it may count, or rate-limit) is asked once per span, by the SDK.
  const tracers = options.sampler === undefined ? fastDropTracerProvider(provider, sampler, ids) : provider;
  const tracer = tracers.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  resetDefaultTracer(tracer);

  // The built-in samplers decide on the parent and the trace id alone, so the server instrumentation computes request
  // attributes only for the spans it records; a custom sampler gets them before the span starts.
  const { instrumentations: named, enabled } = loadInstrumentations(config.instrumentations.names, {
    samplerReadsAttributes: options.sampler !== undefined,
    inboundHeaders: extractedHeaders(env.traces.propagators, propagator),
  });
  const instrumentations: Instrumentation[] = [...named, ...config.instrumentations.custom];
  registerEsmHook(enabled);
  // Instrumentations get a no-op meter provider: HTTP client/server metrics are @otelkit/metrics' job, and an
  // instrumentation that also recorded `http.client.request.duration` would double it whichever package starts first.
  const unregister = registerInstrumentations({
    instrumentations,
    tracerProvider: tracers,
    meterProvider: NO_METRICS,
  });

  const flush = (timeoutMs = config.shutdownTimeoutMs) => processor.forceFlush(timeoutMs);
  let removeExitHooks = () => {};

  let stopping: Promise<void> | undefined;
  const running: Tracing = {
    tracer,
    instrumentations: enabled,
    forceFlush: flush,
    shutdown(timeoutMs = config.shutdownTimeoutMs) {
      stopping ??= (async () => {
        removeExitHooks();
        try {
          unregister();
        } catch {
          /* an instrumentation that cannot be disabled stays patched but records into a stopped provider */
        }
        await processor.shutdown(timeoutMs);
        await provider.shutdown().catch(() => undefined);
        trace.disable();
        context.disable();
        propagation.disable();
        resetDefaultTracer();
        if (slot().running === running) slot().running = undefined;
      })();
      return stopping;
    },
  };
  if (config.exitHandlers) {
    removeExitHooks = installExitHooks(
      { pending: () => processor.pending(), flush, shutdown: (ms) => running.shutdown(ms) },
      config.shutdownTimeoutMs,
    );
  }
  s.running = running;
  return running;
}
