import { randomUUID } from 'node:crypto';
import type { Connection, Database } from '../db/database.js';
import { PoolTimeoutError } from '../db/pool-stats.js';
import type { ChargeRequest } from './charge-request.js';

/** Where a payment is in its life. `retryable`: the last attempt failed in a way a retry with the same key may fix. */
export type PaymentStatus = 'processing' | 'succeeded' | 'declined' | 'failed' | 'retryable';

/** A payment row. */
export interface PaymentRow {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  customerId: string;
  amountMinor: number;
  currency: string;
  paymentMethodId: string;
  cardLast4: string | null;
  cardBrand: string | null;
  status: PaymentStatus;
  attempts: number;
  leaseExpiresAt: Date | null;
  gatewayChargeId: string | null;
  declineCode: string | null;
  responseStatus: number | null;
  responseBody: unknown;
  responseHeaders: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** The reply stored for a finished payment, replayed byte for byte to every duplicate. */
export interface StoredReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What the claim on an idempotency key came to. */
export type Claim =
  | { kind: 'claimed'; payment: PaymentRow }
  | { kind: 'existing'; payment: PaymentRow }
  | { kind: 'conflict'; payment: PaymentRow };

const COLUMNS = `id, idempotency_key, request_hash, customer_id, amount_minor, currency, payment_method_id, card_last4,
  card_brand, status, attempts, lease_expires_at, gateway_charge_id, decline_code, response_status, response_body,
  response_headers, created_at, updated_at`;

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function rowOf(r: Record<string, unknown>): PaymentRow {
  return {
    id: String(r.id),
    idempotencyKey: String(r.idempotency_key),
    requestHash: String(r.request_hash),
    customerId: String(r.customer_id),
    amountMinor: Number(r.amount_minor),
    currency: String(r.currency).trim(),
    paymentMethodId: String(r.payment_method_id),
    cardLast4: (r.card_last4 as string | null) ?? null,
    cardBrand: (r.card_brand as string | null) ?? null,
    status: r.status as PaymentStatus,
    attempts: Number(r.attempts),
    leaseExpiresAt: r.lease_expires_at == null ? null : toDate(r.lease_expires_at),
    gatewayChargeId: (r.gateway_charge_id as string | null) ?? null,
    declineCode: (r.decline_code as string | null) ?? null,
    responseStatus: r.response_status == null ? null : Number(r.response_status),
    responseBody: json(r.response_body) ?? null,
    responseHeaders: (json(r.response_headers) as Record<string, string> | null) ?? {},
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

/** Options of {@link createPaymentStore}. */
export interface PaymentStoreOptions {
  /** How long a claim holds the key before another request may take it over (a crashed owner). @defaultValue 15000 */
  leaseMs?: number;
  /** The pool-exhaustion fault: ms each claim statement takes (0 = off). Read on every call. */
  slowStatementMs?: () => number;
}

/** The payments table, with idempotency enforced by its unique constraint. */
export interface PaymentStore {
  /**
   * Claims the idempotency key: inserts a `processing` row, or — when the key exists — takes over a row left
   * `retryable` or whose lease expired (same body only). Exactly one concurrent caller gets `claimed`.
   */
  claim(request: ChargeRequest): Promise<Claim>;
  /** Records the final reply for a claimed payment. */
  complete(
    id: string,
    outcome: {
      status: Exclude<PaymentStatus, 'processing' | 'retryable'>;
      reply: StoredReply;
      gatewayChargeId?: string;
      declineCode?: string;
    },
  ): Promise<void>;
  /** Releases a claim after a failure a retry may fix (timeout, outage): the next request with the key re-tries.
   * `reply` is what this attempt answered, for the duplicates that waited on it. */
  markRetryable(id: string, reply: StoredReply): Promise<void>;
  findById(id: string): Promise<PaymentRow | undefined>;
  findByKey(key: string): Promise<PaymentRow | undefined>;
}

/** Recording an outcome after the gateway has answered is the one write that must not be lost to a busy pool: it
 * waits for a connection up to `attempts` acquisition timeouts. */
async function patiently<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof PoolTimeoutError) || i >= attempts) throw error;
    }
  }
}

/** Creates the payment store over a database. */
export function createPaymentStore(db: Database, options: PaymentStoreOptions = {}): PaymentStore {
  const leaseMs = options.leaseMs ?? 15_000;
  const slow = async (conn: Connection) => {
    const ms = options.slowStatementMs?.() ?? 0;
    if (ms > 0) await conn.slowStatement(ms);
  };

  return {
    claim(request) {
      return db.withConnection(async (conn) => {
        await slow(conn);
        const inserted = await conn.query<Record<string, unknown>>(
          `INSERT INTO payments (id, idempotency_key, request_hash, customer_id, amount_minor, currency,
             payment_method_id, card_last4, card_brand, status, lease_expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'processing', now() + ($10::int * interval '1 millisecond'))
           ON CONFLICT (idempotency_key) DO NOTHING
           RETURNING ${COLUMNS}`,
          [
            randomUUID(),
            request.idempotencyKey,
            request.requestHash,
            request.customerId,
            request.amountMinor,
            request.currency,
            request.paymentMethodId,
            request.cardLast4 ?? null,
            request.cardBrand ?? null,
            leaseMs,
          ],
        );
        if (inserted.rows[0]) return { kind: 'claimed', payment: rowOf(inserted.rows[0]) };

        // The key exists. Take it over when the earlier attempt may be retried; one statement, so one winner.
        const taken = await conn.query<Record<string, unknown>>(
          `UPDATE payments
             SET status = 'processing', attempts = attempts + 1, updated_at = now(),
                 lease_expires_at = now() + ($3::int * interval '1 millisecond')
           WHERE idempotency_key = $1 AND request_hash = $2
             AND (status = 'retryable' OR (status = 'processing' AND lease_expires_at < now()))
           RETURNING ${COLUMNS}`,
          [request.idempotencyKey, request.requestHash, leaseMs],
        );
        if (taken.rows[0]) return { kind: 'claimed', payment: rowOf(taken.rows[0]) };

        const existing = await conn.query<Record<string, unknown>>(
          `SELECT ${COLUMNS} FROM payments WHERE idempotency_key = $1`,
          [request.idempotencyKey],
        );
        const row = existing.rows[0];
        if (!row) throw new Error('idempotency key vanished between insert and select');
        const payment = rowOf(row);
        return payment.requestHash === request.requestHash
          ? { kind: 'existing', payment }
          : { kind: 'conflict', payment };
      });
    },

    async complete(id, outcome) {
      await patiently(() =>
        db.query(
          `UPDATE payments
           SET status = $2, response_status = $3, response_body = $4::json, response_headers = $5::json,
               gateway_charge_id = $6, decline_code = $7, lease_expires_at = NULL, updated_at = now()
         WHERE id = $1`,
          [
            id,
            outcome.status,
            outcome.reply.status,
            JSON.stringify(outcome.reply.body),
            JSON.stringify(outcome.reply.headers ?? {}),
            outcome.gatewayChargeId ?? null,
            outcome.declineCode ?? null,
          ],
        ),
      );
    },

    async markRetryable(id, reply) {
      await patiently(() =>
        db.query(
          `UPDATE payments
           SET status = 'retryable', response_status = $2, response_body = $3::json, response_headers = $4::json,
               lease_expires_at = NULL, updated_at = now()
         WHERE id = $1 AND status = 'processing'`,
          [id, reply.status, JSON.stringify(reply.body), JSON.stringify(reply.headers ?? {})],
        ),
      );
    },

    async findById(id) {
      const { rows } = await db.query<Record<string, unknown>>(`SELECT ${COLUMNS} FROM payments WHERE id = $1`, [id]);
      return rows[0] ? rowOf(rows[0]) : undefined;
    },

    async findByKey(key) {
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT ${COLUMNS} FROM payments WHERE idempotency_key = $1`,
        [key],
      );
      return rows[0] ? rowOf(rows[0]) : undefined;
    },
  };
}
