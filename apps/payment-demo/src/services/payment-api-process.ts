import type { Tracing } from '@otelkit/tracing';
import { openDatabase } from '../db/open-database.js';
import { createGatewayClient } from '../gateway-client/gateway-client.js';
import { createPaymentApi } from '../payment-api/payment-api-app.js';
import { createApiTelemetry } from '../telemetry/api-telemetry.js';
import { startServiceTelemetry } from '../telemetry/service-telemetry.js';
import { traceDatabase } from '../telemetry/traced-database.js';
import { tellParent } from './child-protocol.js';
import { paymentApiConfig } from './service-config.js';
import { failStart, handleLifecycle, listenOn } from './service-lifecycle.js';

const SERVICE = 'payment-api';

/** Runs payment-api until SIGTERM/SIGINT: database, gateway client, Fastify app, all instrumented. */
export async function runPaymentApi(tracing: Tracing): Promise<void> {
  const config = paymentApiConfig();
  const telemetry = startServiceTelemetry(tracing, { name: SERVICE });
  const log = telemetry.logger;
  const opened = await openDatabase({
    max: config.poolMax,
    acquireTimeoutMs: config.poolAcquireTimeoutMs,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
    ...(config.pgliteDataDir ? { pgliteDataDir: config.pgliteDataDir } : {}),
  });
  const db = traceDatabase(opened);
  const api = createApiTelemetry(telemetry, db);
  const gateway = createGatewayClient({
    baseUrl: config.gatewayUrl,
    apiKey: config.gatewayApiKey,
    attemptTimeoutMs: config.gatewayAttemptTimeoutMs,
    maxRetries: config.gatewayMaxRetries,
    breakerThreshold: config.gatewayBreakerThreshold,
    halfOpenAfterMs: config.gatewayHalfOpenAfterMs,
    observer: api.gateway.observer,
  });
  const app = await createPaymentApi({
    db,
    gateway,
    version: telemetry.version,
    logger: log,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    faults: { slowQueryMs: config.slowQueryMs },
    register: api.register,
    metrics: api.metricsRoute,
    wrapGatewayCall: api.gateway.wrapCall,
    onPayment: api.countPayment,
  });

  let port: number;
  try {
    await app.ready();
    port = await listenOn(app.server, config.port, config.host);
  } catch (error) {
    log.fatal({ err: error, context: { port: config.port } }, 'payment-api could not listen');
    await Promise.allSettled([db.close(), telemetry.shutdown(2000)]);
    failStart(SERVICE, error, config.port);
    return;
  }
  handleLifecycle({
    service: SERVICE,
    flush: () => telemetry.flush(),
    stop: async () => {
      log.info({}, 'payment-api shutting down');
      await app.close();
      await db.close();
      await telemetry.shutdown();
    },
  });
  log.info(
    { context: { port, database: db.kind, version: telemetry.version, gateway: config.gatewayUrl } },
    'payment-api listening',
  );
  tellParent({ type: 'ready', service: SERVICE, version: telemetry.version, port });
}
