import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cardBrand, isLuhnValid } from './card.js';

/** Currencies the API accepts; all three have two decimal places. */
export const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
/** A supported currency. */
export type Currency = (typeof CURRENCIES)[number];

/** The largest charge, in major units. */
export const MAX_AMOUNT = 1_000_000;
/** The longest `Idempotency-Key` accepted. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const hasAtMostTwoDecimals = (value: number) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;

const chargeBodySchema = z.object({
  amount: z
    .number({ error: 'must be a number' })
    .refine(Number.isFinite, 'must be a finite number')
    .refine((v) => v > 0, 'must be greater than 0')
    .refine((v) => v <= MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`)
    .refine(hasAtMostTwoDecimals, 'must have at most 2 decimal places'),
  currency: z.enum(CURRENCIES, { error: `must be one of ${CURRENCIES.join(', ')}` }),
  customerId: z.uuid({ error: 'must be a UUID' }),
  paymentMethodId: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters'),
  card: z
    .object(
      {
        number: z
          .string({ error: 'must be a string of digits' })
          .transform((v) => v.replace(/[\s-]/g, ''))
          .refine((v) => /^\d{12,19}$/.test(v), 'must be 12 to 19 digits')
          .refine(isLuhnValid, 'failed the checksum'),
        cvc: z
          .string({ error: 'must be a string' })
          .regex(/^\d{3,4}$/, 'must be 3 or 4 digits')
          .optional(),
      },
      { error: 'must be an object' },
    )
    .optional(),
});

/** One problem with the request, named by the field's path (`amount`, `card.number`, `Idempotency-Key`). */
export interface FieldError {
  field: string;
  message: string;
}

/** A validated charge: amounts in integer minor units, raw card data reduced to what may be stored. */
export interface ChargeRequest {
  idempotencyKey: string;
  amountMinor: number;
  currency: Currency;
  customerId: string;
  paymentMethodId: string;
  /** Only for the gateway call; never stored, logged or echoed. */
  cardNumber?: string;
  cardLast4?: string;
  cardBrand?: string;
  /** Identifies the body: the same key with a different body is refused. */
  requestHash: string;
}

/** Either the validated request or every problem found. */
export type ChargeParseResult = { ok: true; request: ChargeRequest } | { ok: false; errors: FieldError[] };

function validateKey(raw: unknown): { key?: string; error?: FieldError } {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || value.trim() === '') {
    return { error: { field: 'Idempotency-Key', message: 'header is required' } };
  }
  if (value.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return {
      error: { field: 'Idempotency-Key', message: `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` },
    };
  }
  if (!/^[\x21-\x7e]+$/.test(value)) {
    return { error: { field: 'Idempotency-Key', message: 'must be printable ASCII without spaces' } };
  }
  return { key: value };
}

/**
 * Validates a charge: the body (amount > 0 and ≤ 1,000,000 with at most 2 decimals, currency, customer UUID,
 * payment method, optional card) and the `Idempotency-Key` header. Error messages never quote the rejected value,
 * so a card number typed into the wrong field is not echoed back.
 */
export function parseChargeRequest(body: unknown, idempotencyKeyHeader: unknown): ChargeParseResult {
  const errors: FieldError[] = [];
  const key = validateKey(idempotencyKeyHeader);
  if (key.error) errors.push(key.error);
  const parsed = chargeBodySchema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.length ? issue.path.join('.') : 'body';
      const message = issue.path.length ? issue.message : 'must be a JSON object';
      if (!errors.some((e) => e.field === field)) errors.push({ field, message });
    }
  }
  if (errors.length > 0 || !parsed.success || !key.key) return { ok: false, errors };

  const b = parsed.data;
  const amountMinor = Math.round(b.amount * 100);
  const request: ChargeRequest = {
    idempotencyKey: key.key,
    amountMinor,
    currency: b.currency,
    customerId: b.customerId.toLowerCase(),
    paymentMethodId: b.paymentMethodId,
    requestHash: '',
  };
  if (b.card) {
    request.cardNumber = b.card.number;
    request.cardLast4 = b.card.number.slice(-4);
    request.cardBrand = cardBrand(b.card.number);
  }
  // The hash covers what makes two charges different; a card is represented by a digest, not its number.
  const cardDigest = b.card ? createHash('sha256').update(`card:${b.card.number}`).digest('hex') : null;
  request.requestHash = createHash('sha256')
    .update(JSON.stringify([amountMinor, request.currency, request.customerId, request.paymentMethodId, cardDigest]))
    .digest('hex');
  return { ok: true, request };
}

/** Minor units to the API's decimal amount (2 decimal places for every supported currency). */
export function toMajorUnits(amountMinor: number): number {
  return Math.round(amountMinor) / 100;
}
