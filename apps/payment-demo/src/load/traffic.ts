import { randomUUID } from 'node:crypto';
import { INSUFFICIENT_FUNDS_CARD } from '../card-gateway/card-gateway-app.js';

/** One request the load generator sends. */
export interface PlannedRequest {
  kind: 'valid' | 'invalid';
  /** Sent as the body (a string is sent as is: malformed JSON). */
  body: unknown;
  idempotencyKey?: string;
  /** What makes an invalid request invalid, for the progress display. */
  defect?: string;
}

/** A source of randomness in [0, 1). */
export type Random = () => number;

/** A small fixed set of customers, so "users affected" is a meaningful number. */
export function customerIds(count: number, random: Random = Math.random): string[] {
  return Array.from({ length: count }, () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  });
}

/** Test card numbers (they pass the Luhn check; none is a real card). */
export const TEST_CARDS = ['4242424242424242', '5555555555554444', '378282246310005'] as const;

function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length)] as T;
}

function amount(random: Random): number {
  // Mostly small baskets, a few large ones; always two decimals at most.
  const major = random() < 0.9 ? 5 + random() * 200 : 200 + random() * 4800;
  return Math.round(major * 100) / 100;
}

/** A valid charge: USD, EUR or GBP; a saved payment method or raw card data (a secret the services must not leak). */
export function validCharge(customers: readonly string[], random: Random = Math.random): PlannedRequest {
  const r = random();
  const currency = r < 0.45 ? 'USD' : r < 0.8 ? 'EUR' : 'GBP';
  const body: Record<string, unknown> = {
    amount: amount(random),
    currency,
    customerId: pick(customers, random),
    paymentMethodId: 'pm_card_visa',
  };
  const payment = random();
  if (payment < 0.03) {
    body.paymentMethodId = 'pm_raw_card';
    body.card = { number: INSUFFICIENT_FUNDS_CARD, cvc: '123' };
  } else if (payment < 0.45) {
    body.paymentMethodId = 'pm_raw_card';
    body.card = { number: pick(TEST_CARDS, random), cvc: String(100 + Math.floor(random() * 900)) };
  }
  return { kind: 'valid', body, idempotencyKey: randomUUID() };
}

const DEFECTS: readonly ((valid: Record<string, unknown>, key: string) => PlannedRequest)[] = [
  (b, key) => ({
    kind: 'invalid',
    defect: 'amount has 3 decimals',
    body: { ...b, amount: 10.005 },
    idempotencyKey: key,
  }),
  (b, key) => ({ kind: 'invalid', defect: 'negative amount', body: { ...b, amount: -20 }, idempotencyKey: key }),
  (b, key) => ({
    kind: 'invalid',
    defect: 'amount over limit',
    body: { ...b, amount: 2_000_000 },
    idempotencyKey: key,
  }),
  (b, key) => ({ kind: 'invalid', defect: 'amount as string', body: { ...b, amount: '49.99' }, idempotencyKey: key }),
  (b, key) => ({
    kind: 'invalid',
    defect: 'unsupported currency',
    body: { ...b, currency: 'JPY' },
    idempotencyKey: key,
  }),
  (b, key) => ({
    kind: 'invalid',
    defect: 'customer id not a UUID',
    body: { ...b, customerId: 'user-12345' },
    idempotencyKey: key,
  }),
  (b, key) => ({
    kind: 'invalid',
    defect: 'empty payment method',
    body: { ...b, paymentMethodId: '' },
    idempotencyKey: key,
  }),
  (b) => ({ kind: 'invalid', defect: 'missing Idempotency-Key', body: b }),
  (b) => ({ kind: 'invalid', defect: 'Idempotency-Key too long', body: b, idempotencyKey: 'k'.repeat(300) }),
  (b, key) => ({
    kind: 'invalid',
    defect: 'card number fails checksum',
    body: { ...b, paymentMethodId: 'pm_raw_card', card: { number: '4242424242424241', cvc: '123' } },
    idempotencyKey: key,
  }),
  (_b, key) => ({
    kind: 'invalid',
    defect: 'malformed JSON',
    body: '{"amount": 10, "card": {"number": "4242424242424242"',
    idempotencyKey: key,
  }),
  (b, key) => ({
    kind: 'invalid',
    defect: 'several fields wrong',
    body: { ...b, amount: 0, currency: 'usd', customerId: 42 },
    idempotencyKey: key,
  }),
];

/** An invalid charge with one of a dozen defects (some carry a card number, which must never be echoed or logged). */
export function invalidCharge(customers: readonly string[], random: Random = Math.random): PlannedRequest {
  const valid = validCharge(customers, random);
  const defect = pick(DEFECTS, random);
  return defect(valid.body as Record<string, unknown>, randomUUID());
}
