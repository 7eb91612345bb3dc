import { setTimeout as sleep } from 'node:timers/promises';
import type {
  GatewayChargeInput,
  GatewayChargeResult,
  GatewayClient,
  GatewayPolicyObserver,
} from '../gateway-client/gateway-client.js';
import { type ChargeRequest, toMajorUnits } from './charge-request.js';
import type { PaymentRow, PaymentStore, StoredReply } from './payment-store.js';
import { ClientProblemError, problemFor } from './problems.js';
import { processingFeeMinor, type ReleaseFeatures } from './release-features.js';

/** A reply to a charge request. `replayed`: the stored reply of an earlier request with the same key. */
export interface ChargeReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  replayed: boolean;
  paymentId?: string;
}

/** What happened to a charge, for logs and metrics (declines are business outcomes, not errors). */
export interface ChargeObserver {
  onOutcome?(event: {
    outcome: 'succeeded' | 'declined' | 'failed' | 'replayed' | 'conflict' | 'in_flight';
    request: ChargeRequest;
    paymentId?: string;
    declineCode?: string;
  }): void;
}

/** Options of {@link createChargeService}. */
export interface ChargeServiceOptions {
  store: PaymentStore;
  gateway: GatewayClient;
  features?: ReleaseFeatures;
  /** How long a duplicate waits for the request in flight before answering 409. @defaultValue 6000 */
  inFlightWaitMs?: number;
  observer?: ChargeObserver;
  /** Wraps each gateway call (a span around it, its policy events on that span). */
  wrapGatewayCall?: GatewayCallWrapper;
}

/** Runs `call`, typically inside a span, passing an observer for the call's policy events. */
export type GatewayCallWrapper = (
  input: GatewayChargeInput,
  call: (observer?: GatewayPolicyObserver) => Promise<GatewayChargeResult>,
) => Promise<GatewayChargeResult>;

/** The public shape of a payment (never a card number: brand and last four digits at most). */
export function paymentView(row: PaymentRow): Record<string, unknown> {
  return {
    id: row.id,
    status: row.status,
    amount: toMajorUnits(row.amountMinor),
    currency: row.currency,
    customerId: row.customerId,
    paymentMethodId: row.paymentMethodId,
    ...(row.cardLast4 ? { card: { brand: row.cardBrand, last4: row.cardLast4 } } : {}),
    ...(row.gatewayChargeId ? { gatewayChargeId: row.gatewayChargeId } : {}),
    ...(row.declineCode ? { declineCode: row.declineCode } : {}),
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Idempotent charges: claim the key in the database, call the gateway once, store and replay the reply. */
export interface ChargeService {
  /** Returns the reply for business outcomes and replays; throws for failures (the error maps to a reply through
   * `problemFor`, which is also what a duplicate waiting on this attempt receives). */
  charge(request: ChargeRequest): Promise<ChargeReply>;
}

/** Creates the charge service. */
export function createChargeService(options: ChargeServiceOptions): ChargeService {
  const { store, gateway } = options;
  const features = options.features ?? { processingFees: false };
  const inFlightWaitMs = options.inFlightWaitMs ?? 6000;
  // Local waiters wake as soon as this process finishes a charge; other instances are seen by polling.
  const finished = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const observe = (event: Parameters<NonNullable<ChargeObserver['onOutcome']>>[0]) => {
    try {
      options.observer?.onOutcome?.(event);
    } catch {
      // Observers never change the reply.
    }
  };

  const replay = (row: PaymentRow): ChargeReply => ({
    status: row.responseStatus ?? 500,
    body: row.responseBody,
    headers: { ...row.responseHeaders, 'idempotent-replayed': 'true' },
    replayed: true,
    paymentId: row.id,
  });

  const waitForInFlight = async (request: ChargeRequest): Promise<ChargeReply> => {
    const deadline = Date.now() + inFlightWaitMs;
    while (Date.now() < deadline) {
      const local = finished.get(request.idempotencyKey)?.promise;
      await Promise.race([local ?? sleep(100), sleep(100)]);
      const row = await store.findByKey(request.idempotencyKey);
      if (row && row.status !== 'processing' && row.responseStatus !== null) {
        observe({ outcome: 'replayed', request, paymentId: row.id });
        return replay(row);
      }
    }
    observe({ outcome: 'in_flight', request });
    throw new ClientProblemError({
      status: 409,
      body: {
        error: {
          code: 'idempotency_in_flight',
          message: 'A request with this Idempotency-Key is still being processed. Retry later.',
        },
      },
      headers: { 'retry-after': '1' },
    });
  };

  const execute = async (payment: PaymentRow, request: ChargeRequest): Promise<ChargeReply> => {
    const fee = features.processingFees ? processingFeeMinor(request) : undefined;
    const input: GatewayChargeInput = {
      idempotencyKey: request.idempotencyKey,
      amountMinor: request.amountMinor,
      currency: request.currency,
      customerId: request.customerId,
      paymentMethodId: request.paymentMethodId,
      ...(request.cardNumber ? { cardNumber: request.cardNumber } : {}),
    };
    const call = (observer?: GatewayPolicyObserver) => gateway.charge(input, observer);
    const result = await (options.wrapGatewayCall ? options.wrapGatewayCall(input, call) : call());
    const completedAt = new Date();
    if (result.kind === 'charged') {
      const row: PaymentRow = {
        ...payment,
        status: 'succeeded',
        gatewayChargeId: result.chargeId,
        updatedAt: completedAt,
      };
      const body = { ...paymentView(row), ...(fee !== undefined ? { fee: toMajorUnits(fee) } : {}) };
      const reply: StoredReply = { status: 201, body };
      await store.complete(payment.id, { status: 'succeeded', reply, gatewayChargeId: result.chargeId });
      observe({ outcome: 'succeeded', request, paymentId: payment.id });
      return { status: 201, body, headers: {}, replayed: false, paymentId: payment.id };
    }
    const body = {
      error: { code: 'card_declined', declineCode: result.declineCode, message: result.message },
      payment: { id: payment.id, status: 'declined' },
    };
    await store.complete(payment.id, {
      status: 'declined',
      reply: { status: 402, body },
      declineCode: result.declineCode,
    });
    observe({ outcome: 'declined', request, paymentId: payment.id, declineCode: result.declineCode });
    return { status: 402, body, headers: {}, replayed: false, paymentId: payment.id };
  };

  return {
    async charge(request) {
      const claim = await store.claim(request);
      if (claim.kind === 'conflict') {
        observe({ outcome: 'conflict', request, paymentId: claim.payment.id });
        throw new ClientProblemError({
          status: 422,
          body: {
            error: {
              code: 'idempotency_key_reused',
              message: 'This Idempotency-Key was used with a different request body',
            },
          },
          headers: {},
        });
      }
      if (claim.kind === 'existing') {
        if (claim.payment.status === 'processing') return waitForInFlight(request);
        observe({ outcome: 'replayed', request, paymentId: claim.payment.id });
        return replay(claim.payment);
      }

      const payment = claim.payment;
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      finished.set(request.idempotencyKey, { promise, resolve });
      try {
        return await execute(payment, request);
      } catch (error) {
        // The charge may be retried with the same key (the gateway deduplicates by it, so never twice); duplicates
        // that waited on this attempt get the same reply as this request.
        const problem = problemFor(error);
        const final = problem.status < 500 && problem.status !== 429;
        try {
          if (final) await store.complete(payment.id, { status: 'failed', reply: problem });
          else await store.markRetryable(payment.id, problem);
        } catch {
          // The lease expires on its own; a later retry takes the payment over.
        }
        observe({ outcome: 'failed', request, paymentId: payment.id });
        throw error;
      } finally {
        finished.delete(request.idempotencyKey);
        resolve();
      }
    },
  };
}
