import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { updateContext } from '@otelkit/core';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { type AppLogger, silentLogger } from '../app-logger.js';
import { maskCardNumber } from '../payments/card.js';
import { CURRENCIES } from '../payments/charge-request.js';
import { DEFAULT_FAULTS, faultsPatchSchema, type GatewayFaults } from './faults.js';
import { ChargeLedger, type ChargeOutcome } from './ledger.js';

/** The card number that is always declined for insufficient funds (as in processors' test modes). */
export const INSUFFICIENT_FUNDS_CARD = '4000000000009995';
/** The payment method id that is always declined for insufficient funds. */
export const INSUFFICIENT_FUNDS_METHOD = 'pm_card_insufficient_funds';

/** The processor is down (the outage fault): answered 503. */
export class ProcessorUnavailableError extends Error {
  override readonly name = 'ProcessorUnavailableError';
  readonly code = 'PROCESSOR_UNAVAILABLE';
  readonly statusCode = 503;
  constructor() {
    super('Card processor unavailable: acquirer network connection lost');
  }
}

/** A processing failure (the error-rate fault): answered 500. */
export class ProcessorError extends Error {
  override readonly name = 'ProcessorError';
  readonly code = 'PROCESSOR_ERROR';
  readonly statusCode = 500;
  constructor() {
    super('Card processor failed: issuer response malformed');
  }
}

class HttpError extends Error {
  readonly statusCode: number;
  readonly errorCode: string;
  constructor(statusCode: number, errorCode: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.errorCode = errorCode;
  }
}

const chargeSchema = z.object({
  amountMinor: z.number().int().positive().max(100_000_000),
  currency: z.enum(CURRENCIES),
  customerId: z.string().min(1),
  paymentMethodId: z.string().min(1),
  card: z.object({ number: z.string().regex(/^\d{12,19}$/) }).optional(),
});

/** Options of {@link createCardGatewayApp}. */
export interface CardGatewayOptions {
  /** The bearer token clients must send. */
  apiKey: string;
  faults?: Partial<GatewayFaults>;
  logger?: AppLogger;
  /** Installs middleware before the routes (logging, metrics glue). */
  beforeRoutes?: (app: Express) => void;
  /** Installs error middleware for 5xx failures before the final error handler (error capture glue). */
  beforeErrorHandler?: (app: Express) => void;
  /** Called once per charge decided (not for replays): the processor's business metric. */
  onCharge?: (outcome: 'charged' | 'declined' | 'failed') => void;
  /** Random source, for deterministic tests. @defaultValue Math.random */
  random?: () => number;
}

/** The card gateway: the Express app, its fault switches and its ledger. */
export interface CardGateway {
  readonly app: Express;
  readonly ledger: ChargeLedger;
  faults(): GatewayFaults;
  setFaults(patch: Partial<GatewayFaults>): GatewayFaults;
}

function logNormal(median: number, sigma: number, random: () => number): number {
  // Box–Muller: a standard normal from two uniforms.
  const u = Math.max(random(), 1e-9);
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.min(median * Math.exp(sigma * normal), median * 20);
}

/** Creates the simulated card processor (Express 5). */
export function createCardGatewayApp(options: CardGatewayOptions): CardGateway {
  const log = options.logger ?? silentLogger;
  const random = options.random ?? Math.random;
  let faults: GatewayFaults = { ...DEFAULT_FAULTS, ...options.faults };
  const ledger = new ChargeLedger();
  const countCharge = (outcome: 'charged' | 'declined' | 'failed') => {
    try {
      options.onCharge?.(outcome);
    } catch {
      // Metrics never change an answer.
    }
  };
  const app = express();
  app.disable('x-powered-by');
  options.beforeRoutes?.(app);
  app.use(express.json({ limit: '64kb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'healthy' });
  });

  app.get('/control/faults', (_req, res) => {
    res.json(faults);
  });
  app.put('/control/faults', (req, res) => {
    const parsed = faultsPatchSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({
        error: {
          code: 'invalid_faults',
          fields: parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
        },
      });
      return;
    }
    faults = { ...faults, ...(parsed.data as Partial<GatewayFaults>) };
    log.warn({ context: { faults } }, 'Fault injection changed');
    res.json(faults);
  });
  app.get('/control/charges/:key', (req, res) => {
    res.json(ledger.stats(String(req.params.key)));
  });
  app.get('/control/stats', (_req, res) => {
    res.json(ledger.totals());
  });

  app.post('/v1/charges', async (req: Request, res: Response) => {
    const auth = req.get('authorization') ?? '';
    if (auth !== `Bearer ${options.apiKey}`) {
      throw new HttpError(401, 'unauthorized', 'A valid API key is required');
    }
    const key = req.get('idempotency-key');
    if (!key || key.length > 255) throw new HttpError(400, 'idempotency_key_required', 'Idempotency-Key is required');
    const parsed = chargeSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new HttpError(400, 'invalid_request', parsed.error.issues.map((i) => i.path.join('.')).join(', '));
    }
    const charge = parsed.data;
    updateContext({ userId: charge.customerId });
    const cardNumber = charge.card?.number;
    const hash = createHash('sha256')
      .update(JSON.stringify([charge.amountMinor, charge.currency, charge.customerId, charge.paymentMethodId]))
      .update(cardNumber ?? '')
      .digest('hex');
    const current = faults;

    if (current.outage) throw new ProcessorUnavailableError();
    let latency = logNormal(current.latencyMedianMs, 0.6, random);
    if (random() < current.latencySpikeRate) latency += current.latencySpikeMs;
    await sleep(latency);
    if (faults.failNext > 0) {
      faults = { ...faults, failNext: faults.failNext - 1 };
      throw new ProcessorError();
    }
    if (random() < current.errorRate) throw new ProcessorError();

    const entry = ledger.track(key, hash);
    if (entry === 'mismatch') {
      throw new HttpError(409, 'idempotency_key_mismatch', 'Idempotency-Key was used with a different charge');
    }
    const outcome = await ledger.outcome(entry, async (): Promise<ChargeOutcome> => {
      const insufficient =
        cardNumber === INSUFFICIENT_FUNDS_CARD ||
        charge.paymentMethodId === INSUFFICIENT_FUNDS_METHOD ||
        random() < current.declineRate;
      if (insufficient) {
        countCharge('declined');
        return { kind: 'declined', declineCode: 'insufficient_funds', message: 'Insufficient funds' };
      }
      countCharge('charged');
      return {
        kind: 'charged',
        id: `ch_${randomBytes(12).toString('hex')}`,
        amountMinor: charge.amountMinor,
        currency: charge.currency,
        ...(cardNumber ? { last4: cardNumber.slice(-4) } : {}),
        createdAt: new Date().toISOString(),
      };
    });
    const replayed = entry.requests > 1;
    // The timeout fault: the charge went through, the answer does not come back in time.
    if (random() < current.timeoutRate) await sleep(current.timeoutMs);

    if (outcome.kind === 'declined') {
      log.info(
        {
          context: {
            decline_code: outcome.declineCode,
            amount_minor: charge.amountMinor,
            currency: charge.currency,
            card: maskCardNumber(cardNumber),
          },
        },
        'Charge declined',
      );
      res.status(402).json({
        error: {
          type: 'card_error',
          code: 'card_declined',
          declineCode: outcome.declineCode,
          message: outcome.message,
        },
      });
      return;
    }
    log.info(
      {
        context: {
          charge_id: outcome.id,
          amount_minor: charge.amountMinor,
          currency: charge.currency,
          card: maskCardNumber(cardNumber),
          replayed,
        },
      },
      'Charge captured',
    );
    res.status(201).json({ ...outcome, kind: undefined, status: 'succeeded' });
  });

  const statusOf = (error: unknown): number =>
    typeof (error as { statusCode?: unknown })?.statusCode === 'number'
      ? (error as { statusCode: number }).statusCode
      : (error as { type?: string })?.type === 'entity.parse.failed'
        ? 400
        : 500;
  const codeOf = (error: unknown): string =>
    error instanceof HttpError
      ? error.errorCode
      : (((error as { code?: unknown })?.code as string | undefined)?.toLowerCase?.() ?? 'internal_error');
  // Express 5 forwards rejected async handlers here. 4xx are answered here; 5xx are logged and passed on to the
  // error capture glue (when installed), then answered below.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = statusOf(error);
    if (status >= 500) {
      if (error instanceof ProcessorError || error instanceof ProcessorUnavailableError) countCharge('failed');
      log.error({ err: error }, 'Charge failed');
      next(error);
      return;
    }
    log.warn({ context: { code: codeOf(error), status } }, 'Charge rejected');
    if (res.headersSent) return;
    // Only our own messages go back: a JSON parse error would quote the body, card number included.
    const message = error instanceof HttpError ? error.message : 'Bad request';
    res.status(status).json({ error: { code: codeOf(error), message } });
  });
  options.beforeErrorHandler?.(app);
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    res.status(statusOf(error)).json({ error: { code: codeOf(error), message: 'Processor error' } });
  });

  return {
    app,
    ledger,
    faults: () => faults,
    setFaults(patch) {
      faults = { ...faults, ...patch };
      return faults;
    },
  };
}
