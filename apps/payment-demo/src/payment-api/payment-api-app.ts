import { timingSafeEqual } from 'node:crypto';
import { updateContext } from '@otelkit/core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type AppLogger, silentLogger } from '../app-logger.js';
import type { Database } from '../db/database.js';
import type { GatewayClient } from '../gateway-client/gateway-client.js';
import { GatewayCircuitOpenError } from '../gateway-client/gateway-errors.js';
import { maskCardNumber } from '../payments/card.js';
import { parseChargeRequest } from '../payments/charge-request.js';
import {
  type ChargeObserver,
  createChargeService,
  type GatewayCallWrapper,
  paymentView,
} from '../payments/charge-service.js';
import { createPaymentStore } from '../payments/payment-store.js';
import { problemFor, validationProblem } from '../payments/problems.js';
import { featuresFor } from '../payments/release-features.js';
import { checkReadiness } from './readiness.js';

/** Faults payment-api itself can be given (the pool-exhaustion scenario). */
export interface ApiFaults {
  /** Every claim statement takes this long on its connection (0 = off). */
  slowQueryMs: number;
}

/** Options of {@link createPaymentApi}. */
export interface PaymentApiOptions {
  db: Database;
  gateway: GatewayClient;
  /** The running version; decides the release features (2.0.1 ships the fee bug). */
  version?: string;
  logger?: AppLogger;
  /** When set, `/api/*` requires `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Serves `/control/faults`. @defaultValue true */
  controlEnabled?: boolean;
  faults?: Partial<ApiFaults>;
  /** How long a duplicate waits for the request in flight. @defaultValue 6000 */
  inFlightWaitMs?: number;
  /** Registers plugins before the routes (logging, metrics, error glue). */
  register?: (app: FastifyInstance) => Promise<void> | void;
  /** Serves `GET /metrics` (Prometheus exposition). */
  metrics?: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;
  observer?: ChargeObserver;
  /** Wraps each gateway call (tracing). */
  wrapGatewayCall?: GatewayCallWrapper;
  /** One call per payment attempt (not for replays, invalid input or key conflicts): the business metric. */
  onPayment?: (event: { outcome: 'success' | 'declined' | 'error'; currency: string }) => void;
}

const apiFaultsSchema = z
  .object({ slowQueryMs: z.number().int().min(0).max(60_000) })
  .partial()
  .strict();
const uuid = z.uuid();

/** Builds payment-api (Fastify 5); call `listen` on the result. */
export async function createPaymentApi(options: PaymentApiOptions): Promise<FastifyInstance> {
  const log = options.logger ?? silentLogger;
  const faults: ApiFaults = { slowQueryMs: 0, ...options.faults };
  const store = createPaymentStore(options.db, { slowStatementMs: () => faults.slowQueryMs });
  const charges = createChargeService({
    store,
    gateway: options.gateway,
    features: featuresFor(options.version),
    ...(options.inFlightWaitMs !== undefined ? { inFlightWaitMs: options.inFlightWaitMs } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.wrapGatewayCall ? { wrapGatewayCall: options.wrapGatewayCall } : {}),
  });
  const countPayment = (outcome: 'success' | 'declined' | 'error', currency: string) => {
    try {
      options.onPayment?.({ outcome, currency });
    } catch {
      // Metrics never change a reply.
    }
  };

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, return503OnClosing: true });
  await options.register?.(app);

  app.setErrorHandler((error, request, reply) => {
    const problem = problemFor(error);
    if (error instanceof GatewayCircuitOpenError) {
      // The designed degradation, not a new failure: the cause was logged (and captured) when the breaker opened.
      log.warn(
        { context: { code: problem.body.error.code, retry_after_s: error.retryAfterSeconds } },
        'Charge refused: card-gateway circuit breaker open',
      );
    } else if (problem.status >= 500) {
      log.error({ err: error, context: { route: request.routeOptions.url } }, 'Request failed');
    } else {
      log.warn({ context: { code: problem.body.error.code, status: problem.status } }, 'Request rejected');
    }
    return reply.code(problem.status).headers(problem.headers).send(problem.body);
  });

  if (options.apiKey) {
    const expected = Buffer.from(`Bearer ${options.apiKey}`);
    const authorized = (header: string | undefined) => {
      const given = Buffer.from(header ?? '');
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/api/')) return;
      if (!authorized(request.headers.authorization)) {
        log.warn({ context: { path: request.routeOptions.url } }, 'Unauthenticated request refused');
        return reply.code(401).send({ error: { code: 'unauthorized', message: 'A valid API key is required' } });
      }
    });
  }

  app.get('/health', async () => ({ status: 'healthy', version: options.version ?? null }));

  app.get('/ready', async (_request, reply) => {
    const readiness = await checkReadiness(options.db, options.gateway);
    return reply.code(readiness.status === 'unhealthy' ? 503 : 200).send(readiness);
  });

  app.get('/metrics', async (request, reply) => {
    if (!options.metrics) return reply.code(404).send({ error: { code: 'not_found', message: 'metrics disabled' } });
    return options.metrics(request, reply);
  });

  app.post('/api/v1/payments/charge', async (request, reply) => {
    const parsed = parseChargeRequest(request.body, request.headers['idempotency-key']);
    if (!parsed.ok) {
      log.warn({ context: { invalid_fields: parsed.errors.map((e) => e.field) } }, 'Invalid charge request');
      const problem = validationProblem(parsed.errors);
      return reply.code(problem.status).send(problem.body);
    }
    const charge = parsed.request;
    // The customer is the user every log line, span and error event of this request is about.
    updateContext({ userId: charge.customerId });
    log.debug(
      {
        context: {
          amount_minor: charge.amountMinor,
          currency: charge.currency,
          customer_id: charge.customerId,
          card: maskCardNumber(charge.cardNumber),
        },
      },
      'Charging',
    );
    let result: Awaited<ReturnType<typeof charges.charge>>;
    try {
      result = await charges.charge(charge);
    } catch (error) {
      if (problemFor(error).status >= 500) countPayment('error', charge.currency);
      throw error;
    }
    if (!result.replayed) countPayment(result.status === 201 ? 'success' : 'declined', charge.currency);
    if (result.status === 402 && !result.replayed) {
      log.warn(
        {
          context: {
            payment_id: result.paymentId,
            decline_code: (result.body as { error?: { declineCode?: string } }).error?.declineCode,
            amount_minor: charge.amountMinor,
            currency: charge.currency,
            card: maskCardNumber(charge.cardNumber),
          },
        },
        'Payment declined by the card gateway',
      );
    }
    return reply.code(result.status).headers(result.headers).send(result.body);
  });

  app.get('/api/v1/payments/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!uuid.safeParse(id).success) {
      const problem = validationProblem([{ field: 'id', message: 'must be a UUID' }]);
      return reply.code(problem.status).send(problem.body);
    }
    const row = await store.findById(id.toLowerCase());
    if (!row) return reply.code(404).send({ error: { code: 'not_found', message: 'No such payment' } });
    return paymentView(row);
  });

  if (options.controlEnabled ?? true) {
    app.get('/control/faults', async () => faults);
    app.put('/control/faults', async (request, reply) => {
      const parsed = apiFaultsSchema.safeParse(request.body);
      if (!parsed.success) {
        return reply.code(400).send({
          error: {
            code: 'invalid_faults',
            fields: parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
          },
        });
      }
      Object.assign(faults, parsed.data);
      log.warn({ context: { faults } }, 'Fault injection changed');
      return faults;
    });
  }

  return app;
}
