import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayPolicyObserver } from '../src/index.js';
import { chargeBody, type DomainStack, getJson, newKey, postCharge, startDomainStack } from './support/domain-stack.js';

describe('card gateway outage: retries, circuit breaker, degradation, recovery', () => {
  let stack: DomainStack;
  const events: string[] = [];
  const observer: GatewayPolicyObserver = {
    onAttempt: (n) => events.push(`attempt:${n}`),
    onRetry: (e) => events.push(`retry:${e.attempt}`),
    onBreakerStateChange: (e) => events.push(`breaker:${e.state}`),
    onRejected: () => events.push('rejected'),
  };

  beforeAll(async () => {
    stack = await startDomainStack({
      mode: 'pglite',
      client: { maxRetries: 2, breakerThreshold: 3, halfOpenAfterMs: 400, observer },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('retries retryable failures, opens the breaker, answers 503 with Retry-After and reports degraded', async () => {
    stack.gateway.setFaults({ outage: true });
    events.length = 0;

    const first = await postCharge(stack.apiUrl, chargeBody(), newKey('outage'));
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ error: { code: 'gateway_error' } });
    // One attempt and two retries, each a failure the breaker counted: the third opened it.
    expect(events).toEqual(['attempt:1', 'retry:1', 'attempt:2', 'retry:2', 'attempt:3', 'breaker:open']);

    events.length = 0;
    const refused = await postCharge(stack.apiUrl, chargeBody(), newKey('outage'));
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: 'gateway_unavailable' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(events).toEqual(['rejected']);

    const ready = await getJson(`${stack.apiUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'degraded',
      checks: { database: { status: 'healthy' }, cardGateway: { status: 'degraded', circuit: 'open' } },
    });
  });

  it('a retry of a refused payment with the same key succeeds once the gateway is back', async () => {
    const key = newKey('recover');
    const body = chargeBody({ amount: 77 });
    const refused = await postCharge(stack.apiUrl, body, key);
    expect(refused.status).toBe(503);

    stack.gateway.setFaults({ outage: false });
    // Half-open after 400 ms: poll until the trial call goes through (no wall-clock assertion, just progress).
    let reply = refused;
    for (let i = 0; i < 50 && reply.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      reply = await postCharge(stack.apiUrl, body, key);
    }
    expect(reply.status).toBe(201);
    expect(events).toContain('breaker:half-open');
    expect(events.at(-1)).toBe('breaker:closed');
    expect(stack.gateway.ledger.stats(key).charges).toBe(1);
    const ready = await getJson(`${stack.apiUrl}/ready`);
    expect(ready.body).toMatchObject({ status: 'healthy', checks: { cardGateway: { circuit: 'closed' } } });
  });

  it('does not retry a failure that is not retryable (the gateway refusing our credentials)', async () => {
    const wrongKey = await startDomainStack({
      mode: 'pglite',
      client: { apiKey: 'gw_wrong', observer },
    });
    try {
      events.length = 0;
      const reply = await postCharge(wrongKey.apiUrl, chargeBody(), newKey('auth'));
      expect(reply.status).toBe(502);
      expect(events).toEqual(['attempt:1']);
    } finally {
      await wrongKey.close();
    }
  });

  it('retries a transient 500 and succeeds without a second charge', async () => {
    let calls = 0;
    const flaky = await startDomainStack({ mode: 'pglite', client: { observer: { onAttempt: () => calls++ } } });
    try {
      flaky.gateway.setFaults({ failNext: 1 });
      const key = newKey('flaky');
      const reply = await postCharge(flaky.apiUrl, chargeBody(), key);
      expect(reply.status).toBe(201);
      expect(calls).toBe(2);
      expect(flaky.gateway.ledger.stats(key)).toEqual({ requests: 1, charges: 1 });
    } finally {
      await flaky.close();
    }
  });
});

describe('pool exhaustion', () => {
  let stack: DomainStack;
  beforeAll(async () => {
    stack = await startDomainStack({ mode: 'pglite', pool: { max: 2, acquireTimeoutMs: 150 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 503 database_busy with Retry-After when no connection frees up in time, and recovers', async () => {
    const set = await getJson(`${stack.apiUrl}/control/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slowQueryMs: 600 }),
    });
    expect(set.body).toEqual({ slowQueryMs: 600 });
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => postCharge(stack.apiUrl, chargeBody(), newKey('pool'))),
    );
    const busy = replies.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThanOrEqual(3);
    for (const reply of busy) {
      expect(reply.body).toMatchObject({ error: { code: 'database_busy' } });
      expect(reply.headers.get('retry-after')).toBe('1');
    }
    expect(replies.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);

    await getJson(`${stack.apiUrl}/control/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slowQueryMs: 0 }),
    });
    expect((await postCharge(stack.apiUrl, chargeBody(), newKey('pool'))).status).toBe(201);
    expect(stack.db.poolStats()).toMatchObject({ used: 0, pending: 0, max: 2 });
  });

  it('reports the database degraded while the pool is exhausted', async () => {
    const held = [stack.db.withConnection(() => new Promise((r) => setTimeout(r, 1500)))];
    held.push(stack.db.withConnection(() => new Promise((r) => setTimeout(r, 1500))));
    const ready = await getJson(`${stack.apiUrl}/ready`);
    expect(ready.body).toMatchObject({
      status: 'degraded',
      checks: { database: { status: 'degraded', detail: 'connection pool exhausted', pool: { used: 2, max: 2 } } },
    });
    await Promise.all(held);
  });
});
