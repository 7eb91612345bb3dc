import { errorMonitor } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import {
  type Context,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { RPCType } from '@opentelemetry/core';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { ATTRIBUTE_NAMES, CORRELATION_ID_HEADER, isValidCorrelationId } from '@otelkit/core';
import { contextApi, propagationApi, rootContext } from '../context/api.js';
import { requestContext } from '../context/request-context.js';
import { CORRELATION_BAGGAGE_KEY } from '../propagation/correlation-propagator.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { bindEmitter, patchListenerAdders } from './emitter-binding.js';
import { ATTR, recordedAttributes, samplingAttributes } from './http-server-attributes.js';

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;

const kOriginalEmit = Symbol('otelkit.http-server.emit');
const kState = Symbol('otelkit.http-server.state');

interface PatchedPrototype {
  emit: Emit;
  [kOriginalEmit]?: Emit;
}

/** Options of {@link createHttpServerInstrumentation}. */
export interface HttpServerInstrumentationOptions {
  /**
   * Whether the sampler may look at the span's attributes. When it does, the sampling-relevant request attributes
   * are computed before the span starts, for every request; the built-in samplers (always on/off, trace id ratio,
   * parent based) never read them, so with those every attribute is computed only for spans that are recorded.
   * @defaultValue true
   */
  samplerReadsAttributes?: boolean;
  /**
   * The headers the global propagator reads, when it reads no others: a request that has none of them is given the
   * root context as its extracted one, without calling the propagator (which would find nothing). Undefined: every
   * request is extracted.
   */
  inboundHeaders?: readonly string[] | undefined;
}

/** The RPC metadata instrumentations of frameworks (Express, Fastify) write the matched route into. */
interface RequestRpc {
  type: RPCType.HTTP;
  span: Span;
  route?: string;
}

/** What the response listeners need to finish a recorded server span. */
interface ServerSpanState {
  span: Span;
  rpc: RequestRpc;
  method: string;
  done: boolean;
}

interface Traced {
  [kState]?: ServerSpanState;
}

const SERVER: SpanOptions = { kind: SpanKind.SERVER };
/** `RPCType.HTTP`, read once (the exports of @opentelemetry/core are getters). */
const RPC_HTTP: RPCType.HTTP = RPCType.HTTP;

/** The correlation id an inbound request brought: its valid header, else a valid baggage entry, else none. */
function inboundCorrelationId(req: IncomingMessage, extracted: Context): string | undefined {
  let header = req.headers[CORRELATION_ID_HEADER];
  if (header !== undefined) {
    if (Array.isArray(header)) header = header[0];
    if (isValidCorrelationId(header)) return header;
  }
  const entry = propagationApi.getBaggage(extracted)?.getEntry(CORRELATION_BAGGAGE_KEY)?.value;
  return isValidCorrelationId(entry) ? entry : undefined;
}

function fail(state: ServerSpanState | undefined, error: unknown): void {
  if (state === undefined || state.done) return;
  state.done = true;
  try {
    const span = state.span;
    const e = error instanceof Error ? error : new Error(String(error));
    span.setAttribute(ATTR.errorType, e.name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    span.recordException(e);
    span.end();
  } catch {
    /* never disturb the response */
  }
}

// Shared listeners (`this` is the response): no closures per request.
function onResponseClose(this: ServerResponse): void {
  const state = (this as Traced)[kState];
  if (state === undefined || state.done) return;
  state.done = true;
  try {
    const { span, rpc } = state;
    const status = this.statusCode;
    span.setAttribute(ATTR.statusCode, status);
    if (rpc.route !== undefined) span.setAttribute(ATTR.route, rpc.route);
    if (!(status >= 100 && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
    if (rpc.route) span.updateName(`${state.method} ${rpc.route}`);
    span.end();
  } catch {
    /* never disturb the response */
  }
}

function onResponseError(this: ServerResponse, error: unknown): void {
  fail((this as Traced)[kState], error);
}

/** Runs the server's own `emit('request', …)` inside the request's context (see `context.with` below). */
function handle(original: Emit, server: http.Server, args: IArguments, state: ServerSpanState | undefined): boolean {
  try {
    return Reflect.apply(original, server, args);
  } catch (error) {
    fail(state, error);
    throw error;
  }
}

/**
 * Server spans for `node:http` and `node:https` with less work per request than the stock instrumentation: the same
 * stable-semconv span (name, kind, attributes, status, exception event — a test compares them), without the
 * metrics, hooks and old-semconv bookkeeping. It also makes the request's correlation id (`x-correlation-id`, else
 * the baggage entry, else a new UUID v7) core's context, a span attribute and a baggage entry for the whole handler.
 * It patches `Server.prototype.emit`, which serves CommonJS and ES module apps alike.
 *
 * An unsampled request costs little: header extraction (none when the request has none of the propagator's headers),
 * the sampling decision and one context — no response listeners, no attributes unless the sampler reads them, and the
 * baggage, core's otelkit value and (when the request brought none) the correlation id only if something reads them.
 */
class HttpServerInstrumentation implements Instrumentation {
  readonly instrumentationName = `${PACKAGE_NAME}/http-server`;
  readonly instrumentationVersion = PACKAGE_VERSION;
  #config: InstrumentationConfig = { enabled: false };
  #tracer: Tracer = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  readonly #samplerReadsAttributes: boolean;
  readonly #inboundHeaders: readonly string[] | undefined;
  #unpatch: (() => void)[] = [];

  constructor(options: HttpServerInstrumentationOptions) {
    this.#samplerReadsAttributes = options.samplerReadsAttributes ?? true;
    this.#inboundHeaders = options.inboundHeaders?.map((name) => name.toLowerCase());
  }

  setTracerProvider(provider: TracerProvider): void {
    this.#tracer = provider.getTracer(this.instrumentationName, this.instrumentationVersion);
  }

  setMeterProvider(): void {}

  setConfig(config: InstrumentationConfig): void {
    this.#config = { ...config };
  }

  getConfig(): InstrumentationConfig {
    return this.#config;
  }

  enable(): void {
    if (this.#config.enabled) return;
    this.#config.enabled = true;
    this.#patch(http.Server.prototype as unknown as PatchedPrototype, 'http');
    this.#patch(https.Server.prototype as unknown as PatchedPrototype, 'https');
    this.#unpatch.push(patchListenerAdders(http.IncomingMessage.prototype));
    this.#unpatch.push(patchListenerAdders(http.ServerResponse.prototype));
  }

  disable(): void {
    if (!this.#config.enabled) return;
    this.#config.enabled = false;
    for (const proto of [http.Server.prototype, https.Server.prototype] as unknown as PatchedPrototype[]) {
      const original = proto[kOriginalEmit];
      if (original) {
        proto.emit = original;
        delete proto[kOriginalEmit];
      }
    }
    for (const undo of this.#unpatch.splice(0)) undo();
  }

  #patch(proto: PatchedPrototype, scheme: 'http' | 'https'): void {
    if (Object.hasOwn(proto, kOriginalEmit)) return;
    // https.Server inherits emit from net.Server's chain; patch it as an own property so http and https differ.
    const original = proto.emit;
    proto[kOriginalEmit] = original;
    const instrumentation = this;
    proto.emit = function emit(this: http.Server, event: string | symbol): boolean {
      // biome-ignore lint/complexity/noArguments: passes every argument on without copying them into an array
      if (event !== 'request') return Reflect.apply(original, this, arguments);
      // biome-ignore lint/complexity/noArguments: as above
      return instrumentation.#incoming(this, original, arguments, scheme);
    };
  }

  /**
   * Whether `headers` has any of the headers the propagator reads. When those are not known (B3, Jaeger, another SDK's
   * propagator), every request may carry context and is extracted.
   */
  #mayCarryContext(headers: IncomingHttpHeaders): boolean {
    const names = this.#inboundHeaders;
    if (names === undefined) return true;
    for (let i = 0; i < names.length; i++) {
      if (headers[names[i] as string] !== undefined) return true;
    }
    return false;
  }

  #incoming(server: http.Server, original: Emit, args: IArguments, scheme: string): boolean {
    const req = args[1] as IncomingMessage;
    const res = args[2] as ServerResponse;
    let ctx: Context;
    let state: ServerSpanState | undefined;
    try {
      // Node caches a socket's peer address in a property that its first `remoteAddress` read adds. A recorded span
      // reads it, so under a ratio sampler sockets would gain it at random points, in a different order from Node's
      // other lazily added socket properties. The sockets would then end up with several hidden classes, and Node's
      // own socket and stream code would go megamorphic for every request (measured: 1.2 µs of CPU per request at
      // 10 %, more than the recorded spans themselves cost). Reading it here for every request adds it to every socket
      // at the same point. After a connection's first request, the read is a cached property load.
      void req.socket?.remoteAddress;
      const headers = req.headers;
      const propagated = this.#mayCarryContext(headers);
      const extracted = propagated ? propagationApi.extract(rootContext, headers) : rootContext;
      const correlationId = propagated ? inboundCorrelationId(req, extracted) : undefined;
      const method = req.method || 'GET';
      const span = this.#samplerReadsAttributes
        ? this.#tracer.startSpan(
            method,
            { kind: SpanKind.SERVER, attributes: samplingAttributes(req, scheme) },
            extracted,
          )
        : this.#tracer.startSpan(method, SERVER, extracted);
      const rpc: RequestRpc = { type: RPC_HTTP, span };
      // One context per request carries the span and the otelkit correlation context together.
      const request = requestContext(extracted, contextApi.active(), span, rpc, correlationId);
      ctx = request;
      if (span.isRecording()) {
        if (!this.#samplerReadsAttributes) span.setAttributes(samplingAttributes(req, scheme));
        span.setAttributes(recordedAttributes(req));
        span.setAttribute(ATTRIBUTE_NAMES.correlation_id, request.correlationId());
        state = { span, rpc, method, done: false };
        // Added before the response is bound: these need no context, so they are not wrapped.
        res.on('close', onResponseClose);
        res.on(errorMonitor, onResponseError);
      }
      // Every response gets the same properties in the same order, recorded or not: a property only some responses
      // had would give ServerResponse a second hidden class under a ratio sampler, and the property accesses of Node's
      // own HTTP code would see both.
      (res as Traced)[kState] = state;
      bindEmitter(req, ctx);
      bindEmitter(res, ctx);
    } catch {
      // Instrumentation trouble must never reach the request.
      return Reflect.apply(original, server, args);
    }
    return contextApi.with(ctx, handle, undefined, original, server, args, state);
  }
}

/** Creates the lean `node:http`/`node:https` server instrumentation. */
export function createHttpServerInstrumentation(options: HttpServerInstrumentationOptions = {}): Instrumentation {
  return new HttpServerInstrumentation(options);
}
