import { createServer } from 'node:http';
import type { Tracing } from '@otelkit/tracing';
import { createCardGatewayApp } from '../card-gateway/card-gateway-app.js';
import { faultsFromEnv } from '../card-gateway/faults.js';
import { createGatewayAppTelemetry } from '../telemetry/card-gateway-telemetry.js';
import { startServiceTelemetry } from '../telemetry/service-telemetry.js';
import { tellParent } from './child-protocol.js';
import { cardGatewayConfig } from './service-config.js';
import { failStart, handleLifecycle, listenOn } from './service-lifecycle.js';

const SERVICE = 'card-gateway';

/** Runs card-gateway until SIGTERM/SIGINT. */
export async function runCardGateway(tracing: Tracing): Promise<void> {
  const config = cardGatewayConfig();
  const faults = faultsFromEnv();
  const telemetry = startServiceTelemetry(tracing, { name: SERVICE });
  const log = telemetry.logger;
  const glue = createGatewayAppTelemetry(telemetry);
  const gateway = createCardGatewayApp({
    apiKey: config.apiKey,
    faults,
    logger: log,
    beforeRoutes: glue.beforeRoutes,
    beforeErrorHandler: glue.beforeErrorHandler,
    onCharge: glue.countCharge,
  });
  const server = createServer(gateway.app);
  let port: number;
  try {
    port = await listenOn(server, config.port, config.host);
  } catch (error) {
    log.fatal({ err: error, context: { port: config.port } }, 'card-gateway could not listen');
    await telemetry.shutdown(2000);
    failStart(SERVICE, error, config.port);
    return;
  }
  handleLifecycle({
    service: SERVICE,
    flush: () => telemetry.flush(),
    stop: async () => {
      log.info({}, 'card-gateway shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests hanging in the timeout fault would hold the close for seconds.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      await telemetry.shutdown();
    },
  });
  log.info({ context: { port, version: telemetry.version, faults } }, 'card-gateway listening');
  tellParent({ type: 'ready', service: SERVICE, version: telemetry.version, port });
}
