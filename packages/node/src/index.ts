/**
 * `@otelkit/node`: otelkit for an application that was not written for it. `node --import @otelkit/node/register
 * app.js` (or `start()` from code) starts whichever of `@otelkit/tracing`, `@otelkit/metrics`, `@otelkit/logging` and
 * `@otelkit/errors` are installed, configured from the environment, and connects them to the app's HTTP servers.
 *
 * @packageDocumentation
 */

export type { OtelkitNode, SignalPackage, StartOptions } from './lifecycle/options.js';
export { SIGNAL_PACKAGES } from './lifecycle/options.js';
export { start } from './lifecycle/start.js';
