import { otelkitErrors } from '@otelkit/errors/fastify';
import { loggingPlugin } from '@otelkit/logging/fastify';
import { defineMetrics, observePool } from '@otelkit/metrics';
import { fastifyMetrics } from '@otelkit/metrics/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { GatewayCircuitOpenError } from '../gateway-client/gateway-errors.js';
import { createGatewayTelemetry, type GatewayTelemetry } from './gateway-telemetry.js';
import type { ServiceTelemetry } from './service-telemetry.js';

/** payment-api's instrumentation, all through the otelkit packages' public entry points. */
export interface ApiTelemetry {
  /** Registers the logging, metrics and error plugins on the Fastify app (before the routes). */
  register(app: FastifyInstance): Promise<void>;
  /** Serves the Prometheus exposition at `/metrics`. */
  metricsRoute(request: FastifyRequest, reply: FastifyReply): void;
  /** The business metric the alert rules read: `payments` (`payments_total` in Prometheus) by `outcome`. */
  countPayment(event: { outcome: 'success' | 'declined' | 'error'; currency: string }): void;
  gateway: GatewayTelemetry;
}

/** Creates payment-api's instrumentation: RED and pool metrics, business metric, gateway policy telemetry. */
export function createApiTelemetry(telemetry: ServiceTelemetry, db: Database): ApiTelemetry {
  const pool = observePool(db.poolName, () => db.poolStats());
  db.onAcquire((waitMs) => pool.recordWaitTime(waitMs / 1000));
  const business = defineMetrics({
    payments: {
      kind: 'counter',
      name: 'payments',
      unit: '{payment}',
      description: 'Payment attempts by outcome: success, declined (a business outcome) or error.',
      attributes: ['outcome', 'currency'],
    },
  });
  const handler = telemetry.metrics.prometheusHandler;

  return {
    async register(app) {
      await app.register(loggingPlugin, { logger: telemetry.logger });
      await app.register(fastifyMetrics);
      await app.register(otelkitErrors, {
        // payment-api answers failures itself (problem bodies, Retry-After); the plugin captures them.
        errorHandler: false,
        // The open breaker's 503 is the designed degradation; the failure behind it was captured when it happened.
        capture: (status, error) => status >= 500 && !(error instanceof GatewayCircuitOpenError),
      });
    },
    metricsRoute(request, reply) {
      if (!handler) {
        void reply.code(404).send({ error: { code: 'not_found', message: 'Prometheus endpoint disabled' } });
        return;
      }
      reply.hijack();
      handler(request.raw, reply.raw);
    },
    countPayment(event) {
      business.payments.add(1, { outcome: event.outcome, currency: event.currency });
    },
    gateway: createGatewayTelemetry(telemetry),
  };
}
