import { errorHandler } from '@otelkit/errors/express';
import { createLoggingMiddleware } from '@otelkit/logging/express';
import { defineMetrics } from '@otelkit/metrics';
import { expressMetrics } from '@otelkit/metrics/express';
import type { Express } from 'express';
import type { ServiceTelemetry } from './service-telemetry.js';

/** card-gateway's instrumentation, through the otelkit packages' Express glue. */
export interface GatewayAppTelemetry {
  /** Logging first (the whole request runs in its context), then RED metrics. */
  beforeRoutes(app: Express): void;
  /** Error capture for 5xx (after the app's own 4xx handling). */
  beforeErrorHandler(app: Express): void;
  /** The processor's own business metric: `processor.charges` by outcome. */
  countCharge(outcome: 'charged' | 'declined' | 'failed'): void;
}

/** Creates card-gateway's instrumentation. */
export function createGatewayAppTelemetry(telemetry: ServiceTelemetry): GatewayAppTelemetry {
  const business = defineMetrics({
    charges: {
      kind: 'counter',
      name: 'processor.charges',
      unit: '{charge}',
      description: 'Charges the simulated processor decided, by outcome.',
      attributes: ['outcome'],
    },
  });
  return {
    beforeRoutes(app) {
      app.use(createLoggingMiddleware({ logger: telemetry.logger }));
      app.use(expressMetrics());
    },
    beforeErrorHandler(app) {
      app.use(errorHandler());
    },
    countCharge(outcome) {
      business.charges.add(1, { outcome });
    },
  };
}
