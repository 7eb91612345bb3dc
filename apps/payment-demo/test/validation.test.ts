import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChargeRequest } from '../src/index.js';
import { chargeBody, type DomainStack, getJson, newKey, postCharge, startDomainStack } from './support/domain-stack.js';

const fieldsOf = (body: unknown) =>
  ((body as { error: { fields: { field: string }[] } }).error.fields ?? []).map((f) => f.field).sort();

describe('parseChargeRequest', () => {
  it.each([
    [{ amount: 0 }, 'amount'],
    [{ amount: -5 }, 'amount'],
    [{ amount: 1_000_000.01 }, 'amount'],
    [{ amount: 10.001 }, 'amount'],
    [{ amount: '10.00' }, 'amount'],
    [{ amount: Number.NaN }, 'amount'],
    [{ currency: 'JPY' }, 'currency'],
    [{ currency: 'usd' }, 'currency'],
    [{ customerId: 'user-12345' }, 'customerId'],
    [{ paymentMethodId: '' }, 'paymentMethodId'],
    [{ paymentMethodId: '   ' }, 'paymentMethodId'],
    [{ card: { number: '4242424242424241' } }, 'card.number'],
    [{ card: { number: '4242' } }, 'card.number'],
  ])('rejects %j naming %s', (override, field) => {
    const result = parseChargeRequest(chargeBody(override), 'key-1');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toEqual([field]);
  });

  it.each([[0.01], [1_000_000], [149.99], [0.1 + 0.2], [19.9]])('accepts amount %d', (amount) => {
    const result = parseChargeRequest(chargeBody({ amount }), 'key-1');
    expect(result.ok).toBe(true);
  });

  it('converts to integer minor units without floating-point drift', () => {
    const result = parseChargeRequest(chargeBody({ amount: 0.1 + 0.2 }), 'k');
    expect(result.ok && result.request.amountMinor).toBe(30);
    const big = parseChargeRequest(chargeBody({ amount: 999_999.99 }), 'k');
    expect(big.ok && big.request.amountMinor).toBe(99_999_999);
  });

  it('requires an Idempotency-Key of at most 255 printable characters', () => {
    for (const key of [undefined, '', 'x'.repeat(256), 'has space']) {
      const result = parseChargeRequest(chargeBody(), key);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.map((e) => e.field)).toEqual(['Idempotency-Key']);
    }
    expect(parseChargeRequest(chargeBody(), 'x'.repeat(255)).ok).toBe(true);
  });

  it('gives the same request hash for the same charge and a different one for a different card', () => {
    const a = parseChargeRequest(chargeBody({ card: { number: '4242424242424242' } }), 'k');
    const b = parseChargeRequest(chargeBody({ card: { number: '4242 4242 4242 4242' } }), 'k');
    const c = parseChargeRequest(chargeBody({ card: { number: '5555555555554444' } }), 'k');
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (a.ok && b.ok && c.ok) {
      expect(a.request.requestHash).toBe(b.request.requestHash);
      expect(a.request.requestHash).not.toBe(c.request.requestHash);
      expect(a.request.requestHash).not.toContain('4242');
    }
  });
});

describe('payment-api input handling', () => {
  let stack: DomainStack;
  beforeAll(async () => {
    stack = await startDomainStack({ mode: 'pglite' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 400 naming every invalid field at once', async () => {
    const reply = await postCharge(
      stack.apiUrl,
      { amount: 10.123, currency: 'JPY', customerId: 'nope', paymentMethodId: '' },
      'x'.repeat(256),
    );
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { code: 'invalid_request' } });
    expect(fieldsOf(reply.body)).toEqual(['Idempotency-Key', 'amount', 'currency', 'customerId', 'paymentMethodId']);
  });

  it('answers 400 for a missing Idempotency-Key', async () => {
    const reply = await postCharge(stack.apiUrl, chargeBody(), undefined);
    expect(reply.status).toBe(400);
    expect(fieldsOf(reply.body)).toEqual(['Idempotency-Key']);
  });

  it('answers 400, not 500, for a body that is not JSON or not an object', async () => {
    const broken = await postCharge(stack.apiUrl, '{"amount": 4242424242424242', newKey());
    expect(broken.status).toBe(400);
    const array = await postCharge(stack.apiUrl, [1, 2], newKey());
    expect(array.status).toBe(400);
    expect(fieldsOf(array.body)).toEqual(['body']);
  });

  it('never echoes a card number, valid or not', async () => {
    const invalid = await postCharge(stack.apiUrl, chargeBody({ card: { number: '4242424242424241' } }), newKey());
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).not.toContain('4242424242424241');
    const misplaced = await postCharge(stack.apiUrl, chargeBody({ paymentMethodId: 4242424242424242 }), newKey());
    expect(misplaced.status).toBe(400);
    expect(JSON.stringify(misplaced.body)).not.toContain('4242424242424242');

    const valid = await postCharge(stack.apiUrl, chargeBody({ card: { number: '4242424242424242' } }), newKey());
    expect(valid.status).toBe(201);
    expect(JSON.stringify(valid.body)).not.toContain('4242424242424242');
    expect(valid.body).toMatchObject({ card: { brand: 'visa', last4: '4242' } });
    const fetched = await getJson(`${stack.apiUrl}/api/v1/payments/${valid.body.id}`);
    expect(JSON.stringify(fetched.body)).not.toContain('4242424242424242');
    const { rows } = await stack.db.query('SELECT * FROM payments WHERE id = $1', [valid.body.id]);
    expect(JSON.stringify(rows)).not.toContain('4242424242424242');
  });

  it('answers 400 for a malformed payment id and 404 for an unknown one', async () => {
    expect((await getJson(`${stack.apiUrl}/api/v1/payments/not-a-uuid`)).status).toBe(400);
    const missing = await getJson(`${stack.apiUrl}/api/v1/payments/3f2b6c1e-8a4d-4e2f-9b7a-000000000000`);
    expect(missing.status).toBe(404);
  });

  it('reports liveness and readiness', async () => {
    expect((await getJson(`${stack.apiUrl}/health`)).body).toMatchObject({ status: 'healthy' });
    const ready = await getJson(`${stack.apiUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'healthy',
      checks: {
        database: { status: 'healthy', kind: 'pglite' },
        cardGateway: { status: 'healthy', circuit: 'closed' },
      },
    });
  });
});

describe('payment-api authentication', () => {
  let stack: DomainStack;
  beforeAll(async () => {
    stack = await startDomainStack({ mode: 'pglite', api: { apiKey: 'sk_test_123' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('requires the bearer key on /api/* only', async () => {
    expect((await postCharge(stack.apiUrl, chargeBody(), newKey())).status).toBe(401);
    const wrong = await postCharge(stack.apiUrl, chargeBody(), newKey(), { authorization: 'Bearer sk_test_124' });
    expect(wrong.status).toBe(401);
    const right = await postCharge(stack.apiUrl, chargeBody(), newKey(), { authorization: 'Bearer sk_test_123' });
    expect(right.status).toBe(201);
    expect((await getJson(`${stack.apiUrl}/health`)).status).toBe(200);
  });
});
