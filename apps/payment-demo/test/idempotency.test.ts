import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chargeBody,
  type DbMode,
  type DomainStack,
  getJson,
  newKey,
  postCharge,
  postgresAvailable,
  startDomainStack,
} from './support/domain-stack.js';

const modes: DbMode[] = ['pglite', 'postgres'];
const hasPostgres = await postgresAvailable();

describe.each(modes)('idempotent charges on %s', (mode) => {
  const skip = mode === 'postgres' && !hasPostgres;
  let stack: DomainStack;

  beforeAll(async () => {
    if (skip) return;
    // Slow enough that the duplicates really overlap the first request.
    stack = await startDomainStack({ mode, faults: { latencyMedianMs: 150 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.skipIf(skip)(
    'charges exactly once for 20 concurrent duplicates, and every duplicate gets the same reply',
    async () => {
      const key = newKey('concurrent');
      const body = chargeBody();
      const replies = await Promise.all(Array.from({ length: 20 }, () => postCharge(stack.apiUrl, body, key)));

      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
      const first = JSON.stringify(replies[0]!.body);
      for (const reply of replies) expect(JSON.stringify(reply.body)).toBe(first);
      expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
      expect(stack.gateway.ledger.stats(key)).toEqual({ requests: 1, charges: 1 });

      const { rows } = await stack.db.query<{ n: string | number }>(
        'SELECT count(*) AS n FROM payments WHERE idempotency_key = $1',
        [key],
      );
      expect(Number(rows[0]!.n)).toBe(1);
      const payment = replies[0]!.body;
      expect(payment).toMatchObject({ status: 'succeeded', amount: 149.99, currency: 'USD' });
      const fetched = await getJson(`${stack.apiUrl}/api/v1/payments/${payment.id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toMatchObject({
        id: payment.id,
        status: 'succeeded',
        gatewayChargeId: payment.gatewayChargeId,
      });
    },
  );

  it.skipIf(skip)('stores amounts in integer minor units', async () => {
    const key = newKey('minor');
    const reply = await postCharge(stack.apiUrl, chargeBody({ amount: 1234.56 }), key);
    expect(reply.status).toBe(201);
    const { rows } = await stack.db.query<{ amount_minor: string | number }>(
      'SELECT amount_minor FROM payments WHERE idempotency_key = $1',
      [key],
    );
    expect(Number(rows[0]!.amount_minor)).toBe(123456);
    expect(reply.body.amount).toBe(1234.56);
  });

  it.skipIf(skip)('refuses the same key with a different body with 422, and charges nothing more', async () => {
    const key = newKey('reuse');
    expect((await postCharge(stack.apiUrl, chargeBody({ amount: 10 }), key)).status).toBe(201);
    const reused = await postCharge(stack.apiUrl, chargeBody({ amount: 11 }), key);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    expect(stack.gateway.ledger.stats(key).charges).toBe(1);
  });

  it.skipIf(skip)('stores a decline (402) and replays it without calling the gateway again', async () => {
    const key = newKey('decline');
    const body = chargeBody({ paymentMethodId: 'pm_card_insufficient_funds' });
    const first = await postCharge(stack.apiUrl, body, key);
    expect(first.status).toBe(402);
    expect(first.body).toMatchObject({ error: { code: 'card_declined', declineCode: 'insufficient_funds' } });
    const again = await postCharge(stack.apiUrl, body, key);
    expect(again.status).toBe(402);
    expect(again.body).toEqual(first.body);
    expect(stack.gateway.ledger.stats(key)).toEqual({ requests: 1, charges: 0 });
  });

  it.skipIf(skip)('never double-charges a retry after a gateway timeout', async () => {
    const key = newKey('timeout');
    const body = chargeBody({ amount: 42 });
    // The gateway charges, then answers later than every attempt waits.
    const slow = await startDomainStack({
      mode,
      faults: { timeoutRate: 1, timeoutMs: 1200 },
      client: { attemptTimeoutMs: 300 },
    });
    try {
      const first = await postCharge(slow.apiUrl, body, key);
      expect(first.status).toBe(504);
      expect(first.body).toMatchObject({ error: { code: 'gateway_timeout' } });
      expect(slow.gateway.ledger.stats(key).charges).toBe(1);

      slow.gateway.setFaults({ timeoutRate: 0 });
      const retried = await postCharge(slow.apiUrl, body, key);
      expect(retried.status).toBe(201);
      expect(slow.gateway.ledger.stats(key).charges).toBe(1);
      const payment = await getJson(`${slow.apiUrl}/api/v1/payments/${retried.body.id}`);
      expect(payment.body).toMatchObject({ status: 'succeeded', attempts: 2 });
    } finally {
      await slow.close();
    }
  });
});

describe('a duplicate while the first request is in flight', () => {
  let stack: DomainStack;
  beforeAll(async () => {
    stack = await startDomainStack({
      mode: 'pglite',
      faults: { latencyMedianMs: 5, latencySpikeRate: 1, latencySpikeMs: 800 },
      client: { attemptTimeoutMs: 3000 },
      api: { inFlightWaitMs: 100 },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('gets 409 with Retry-After while it runs, and the stored reply once it completes', async () => {
    const key = newKey('inflight');
    const body = chargeBody();
    const first = postCharge(stack.apiUrl, body, key);
    // Wait until the first request holds the key.
    for (let i = 0; i < 100 && stack.gateway.ledger.stats(key).requests === 0; i++) {
      const rows = await stack.db.query('SELECT 1 FROM payments WHERE idempotency_key = $1', [key]);
      if (rows.rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const duplicate = await postCharge(stack.apiUrl, body, key);
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get('retry-after')).toBe('1');
    expect(duplicate.body).toMatchObject({ error: { code: 'idempotency_in_flight' } });

    const completed = await first;
    expect(completed.status).toBe(201);
    const after = await postCharge(stack.apiUrl, body, key);
    expect(after.status).toBe(201);
    expect(after.body).toEqual(completed.body);
    expect(stack.gateway.ledger.stats(key).charges).toBe(1);
  });
});
