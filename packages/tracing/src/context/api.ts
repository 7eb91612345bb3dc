import * as otel from '@opentelemetry/api';

// The API's CommonJS exports are getters (`Object.defineProperty(exports, 'context', { get })`), and a bundle reads
// an external module's exports on every use (`import_api.context.with(…)`): in the per-request path those getter
// calls showed up in profiles of its own. The API's singletons never change, so they are read once, here.

/** `context` of @opentelemetry/api. */
export const contextApi: typeof otel.context = otel.context;
/** `propagation` of @opentelemetry/api. */
export const propagationApi: typeof otel.propagation = otel.propagation;
/** `ROOT_CONTEXT` of @opentelemetry/api. */
export const rootContext: otel.Context = otel.ROOT_CONTEXT;
/** `trace` of @opentelemetry/api. */
export const traceApi: typeof otel.trace = otel.trace;
/** `isSpanContextValid` of @opentelemetry/api. */
export const isValidSpanContext: typeof otel.isSpanContextValid = otel.isSpanContextValid;
