import { errorMonitor } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { RPCType, setRPCMetadata } from '@opentelemetry/core';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import {
  ATTRIBUTE_NAMES,
  CORRELATION_ID_HEADER,
  isValidCorrelationId,
  newCorrelationId,
  setOtelkitContext,
} from '@otelkit/core';
import { CORRELATION_BAGGAGE_KEY, withCorrelationBaggage } from '../propagation/correlation-propagator.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { bindEmitters } from './emitter-binding.js';
import { ATTR, recordedAttributes, samplingAttributes } from './http-server-attributes.js';

type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;

const kOriginalEmit = Symbol('otelkit.http-server.emit');

interface PatchedPrototype {
  emit: Emit;
  [kOriginalEmit]?: Emit;
}

/** The correlation id of an inbound request: its valid header, else a valid baggage entry, else a new one. */
function inboundCorrelationId(req: IncomingMessage, extracted: ReturnType<typeof propagation.extract>): string {
  let header = req.headers[CORRELATION_ID_HEADER];
  if (Array.isArray(header)) header = header[0];
  if (isValidCorrelationId(header)) return header;
  const entry = propagation.getBaggage(extracted)?.getEntry(CORRELATION_BAGGAGE_KEY)?.value;
  return isValidCorrelationId(entry) ? entry : newCorrelationId();
}

/**
 * Server spans for `node:http` and `node:https` with less work per request than the stock instrumentation: the same
 * stable-semconv span (name, kind, attributes, status, exception event — a test compares them), without the
 * metrics, hooks and old-semconv bookkeeping. It also makes the request's correlation id (`x-correlation-id`, else
 * the baggage entry, else a new UUID v7) core's context, a span attribute and a baggage entry for the whole handler.
 * It patches `Server.prototype.emit`, which serves CommonJS and ES module apps alike.
 */
class HttpServerInstrumentation implements Instrumentation {
  readonly instrumentationName = `${PACKAGE_NAME}/http-server`;
  readonly instrumentationVersion = PACKAGE_VERSION;
  #config: InstrumentationConfig = { enabled: false };
  #tracer: Tracer = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);

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
  }

  #patch(proto: PatchedPrototype, scheme: 'http' | 'https'): void {
    if (Object.hasOwn(proto, kOriginalEmit)) return;
    // https.Server inherits emit from net.Server's chain; patch it as an own property so http and https differ.
    const original = proto.emit;
    proto[kOriginalEmit] = original;
    const instrumentation = this;
    proto.emit = function emit(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'request') return original.apply(this, [event, ...args]);
      return instrumentation.#incoming(scheme, args[0] as IncomingMessage, args[1] as ServerResponse, () =>
        original.apply(this, [event, ...args]),
      );
    };
  }

  #incoming(scheme: string, req: IncomingMessage, res: ServerResponse, handle: () => boolean): boolean {
    let span: Span;
    let ctx: ReturnType<typeof context.active>;
    let correlationId: string;
    let rpc: { type: RPCType.HTTP; span: Span; route?: string };
    try {
      const extracted = propagation.extract(ROOT_CONTEXT, req.headers);
      correlationId = inboundCorrelationId(req, extracted);
      const attributes: Attributes = samplingAttributes(req, scheme);
      span = this.#tracer.startSpan(req.method || 'GET', { kind: SpanKind.SERVER, attributes }, extracted);
      if (span.isRecording()) {
        span.setAttributes(recordedAttributes(req));
        span.setAttribute(ATTRIBUTE_NAMES.correlation_id, correlationId);
      }
      rpc = { type: RPCType.HTTP, span };
      ctx = setRPCMetadata(trace.setSpan(withCorrelationBaggage(extracted, correlationId), span), rpc);
    } catch {
      // Instrumentation trouble must never reach the request.
      return handle();
    }
    // One context per request carries the span and the otelkit correlation context together.
    return context.with(setOtelkitContext(ctx, { correlationId }), () => {
      bindEmitters(req, res);
      let failed = false;
      let ended = false;
      const fail = (error: unknown) => {
        if (ended) return;
        ended = true;
        failed = true;
        const e = error instanceof Error ? error : new Error(String(error));
        span.setAttribute(ATTR.errorType, e.name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        span.recordException(e);
        span.end();
      };
      res.on('close', () => {
        if (failed || ended) return;
        ended = true;
        const status = res.statusCode;
        span.setAttribute(ATTR.statusCode, status);
        if (rpc.route !== undefined) span.setAttribute(ATTR.route, rpc.route);
        if (!(status >= 100 && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR });
        if (rpc.route) span.updateName(`${req.method || 'GET'} ${rpc.route}`);
        span.end();
      });
      res.on(errorMonitor, fail);
      try {
        return handle();
      } catch (error) {
        fail(error);
        throw error;
      }
    });
  }
}

/** Creates the lean `node:http`/`node:https` server instrumentation. */
export function createHttpServerInstrumentation(): Instrumentation {
  return new HttpServerInstrumentation();
}
