// payment-api's process entry: tracing starts before Fastify, pg or undici are loaded, so their instrumentations
// apply; everything else is imported afterwards.
import { startTracing } from '@otelkit/tracing';
import { failStart } from './service-lifecycle.js';

let tracing: ReturnType<typeof startTracing> | undefined;
try {
  tracing = startTracing({ exitHandlers: false });
} catch (error) {
  failStart('payment-api', error);
}
if (tracing) {
  const started = tracing;
  import('./payment-api-process.js')
    .then((m) => m.runPaymentApi(started))
    .catch((error: unknown) => failStart('payment-api', error));
}
