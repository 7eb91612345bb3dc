import diagnostics from 'node:diagnostics_channel';
import { context, type TracerProvider } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';

/** Published by Fastify 5 before each route handler, with the matched route. */
const HANDLER_START = 'tracing:fastify.request.handler:start';

interface HandlerStart {
  route?: { url?: unknown };
}

function onHandlerStart(message: unknown): void {
  try {
    const url = (message as HandlerStart).route?.url;
    if (typeof url !== 'string') return;
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type === RPCType.HTTP) rpc.route = url;
  } catch {
    /* never disturb the request */
  }
}

/**
 * Names Fastify 5 server spans after their route (`GET /users/:id`, `http.route`) through Fastify's own
 * `diagnostics_channel` events: nothing is patched and nothing is loaded, so it costs one subscription.
 */
class FastifyRouteInstrumentation implements Instrumentation {
  readonly instrumentationName = `${PACKAGE_NAME}/fastify`;
  readonly instrumentationVersion = PACKAGE_VERSION;
  #config: InstrumentationConfig = { enabled: false };

  setTracerProvider(_provider: TracerProvider): void {}
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
    diagnostics.subscribe(HANDLER_START, onHandlerStart);
  }
  disable(): void {
    if (!this.#config.enabled) return;
    this.#config.enabled = false;
    diagnostics.unsubscribe(HANDLER_START, onHandlerStart);
  }
}

/** Creates the Fastify route-naming instrumentation. */
export function createFastifyRouteInstrumentation(): Instrumentation {
  return new FastifyRouteInstrumentation();
}
