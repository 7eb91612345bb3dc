// card-gateway's process entry: tracing starts before Express is loaded, so its instrumentation applies.
import { startTracing } from '@otelkit/tracing';
import { failStart } from './service-lifecycle.js';

let tracing: ReturnType<typeof startTracing> | undefined;
try {
  tracing = startTracing({ exitHandlers: false });
} catch (error) {
  failStart('card-gateway', error);
}
if (tracing) {
  const started = tracing;
  import('./card-gateway-process.js')
    .then((m) => m.runCardGateway(started))
    .catch((error: unknown) => failStart('card-gateway', error));
}
