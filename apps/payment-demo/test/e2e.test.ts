import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, INSUFFICIENT_FUNDS_CARD, type RequestResult, startDemo, TEST_CARDS } from '../src/index.js';
import { chargeBody, dropSchema, POSTGRES_URL, postgresAvailable } from './support/domain-stack.js';

// The whole demo against the in-process collector: short scenarios, then everything is asserted through the
// collector's JSON API (and, for secrets, through every byte the collector persisted).

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  kind: string;
  status: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
}
interface LogLine {
  service: string;
  level: string;
  message: string;
  trace_id?: string;
  correlation_id?: string;
  error?: { fingerprint?: string; type?: string };
}

const FAST_ENV = {
  CARD_GATEWAY_BREAKER_HALF_OPEN_MS: '1500',
  CARD_GATEWAY_TIMEOUT_MS: '2000',
  OTEL_METRIC_EXPORT_INTERVAL: '1000',
};

async function api<T>(demo: Demo, path: string): Promise<T> {
  const response = await fetch(new URL(path, demo.stack.uiUrl));
  expect(response.status, `${path} → ${response.status}`).toBe(200);
  return (await response.json()) as T;
}

async function settle(demo: Demo): Promise<void> {
  await demo.stack.flush();
  await new Promise((r) => setTimeout(r, 1500));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

describe('the demo, end to end (PGlite)', () => {
  let demo: Demo;
  const results: RequestResult[] = [];
  const ledger: { key: string; statuses: number[]; charges: number }[] = [];
  let outageReport: {
    representativeTrace: { origin: { service: string } | null; traceId: string } | null;
    topErrors: { fingerprint: string; firstSeenService: string }[];
  };
  let finalReport: {
    topErrors: { fingerprint: string; type: string; firstSeenVersion: string | null; regression: unknown }[];
  };
  const workDir = join(tmpdir(), `otelkit-demo-e2e-${randomBytes(4).toString('hex')}`);
  const output: string[] = [];

  beforeAll(async () => {
    demo = await startDemo({
      ports: { grpc: 0, http: 0, ui: 0, api: 0, gateway: 0 },
      workDir,
      rate: 10,
      env: FAST_ENV,
      out: { write: (text: string) => output.push(text) },
      onResult: (result) => results.push(result),
    });
    demo.load.setMix({ duplicateShare: 0.2 });
    await demo.runScenario('normal', 3000);
    await demo.runScenario('gateway-outage', 9000);
    await settle(demo);
    outageReport = await api(demo, 'api/report?format=json');
    // Before the deploy restarts the gateway (and empties its in-memory ledger): charges per key so far.
    const keys = new Map<string, number[]>();
    for (const r of results) {
      if (r.idempotencyKey && r.idempotencyKey.length <= 255 && r.kind !== 'invalid') {
        keys.set(r.idempotencyKey, [...(keys.get(r.idempotencyKey) ?? []), r.status]);
      }
    }
    for (const [key, statuses] of keys) {
      const stats = (await fetch(`${demo.stack.gatewayUrl}/control/charges/${key}`).then((r) => r.json())) as {
        charges: number;
      };
      ledger.push({ key, statuses, charges: stats.charges });
    }
    await demo.runScenario('bad-input', 3000);
    await demo.runScenario('deploy-regression', 9000);
    await demo.stopLoad();
    await settle(demo);
    finalReport = await api(demo, 'api/report?format=json');
  }, 300_000);

  afterAll(async () => {
    await demo?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  /** A payment that failed during the outage after reaching card-gateway: its trace id and correlation id. */
  let failed: { traceId: string; correlationId: string };

  it('finds a failed payment of the outage that reached card-gateway', async () => {
    const candidates = results.filter((r) => r.scenario === 'gateway-outage' && r.status >= 500);
    expect(candidates.length).toBeGreaterThan(0);
    for (const candidate of candidates) {
      const { logs } = await api<{ logs: LogLine[] }>(
        demo,
        `api/logs?correlation_id=${encodeURIComponent(candidate.correlationId)}&limit=500`,
      );
      const traceId = logs.find((l) => l.service === 'card-gateway')?.trace_id;
      if (traceId) {
        failed = { traceId, correlationId: candidate.correlationId };
        break;
      }
    }
    expect(failed).toBeDefined();
  });

  it('shows the failed payment as one trace across both services with correct parent links', async () => {
    const { spans } = await api<{ spans: Span[] }>(demo, `api/traces/${failed.traceId}`);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['payment-api', 'card-gateway']));
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const roots = spans.filter((s) => s.parentSpanId === null || !byId.has(s.parentSpanId));
    expect(roots).toHaveLength(1);
    expect(roots[0]).toMatchObject({ service: 'payment-api', kind: 'server', status: 'error' });
    // Every card-gateway entry span hangs under a payment-api CLIENT span of the same trace.
    const entries = spans.filter(
      (s) =>
        s.service === 'card-gateway' && s.parentSpanId !== null && byId.get(s.parentSpanId)?.service !== 'card-gateway',
    );
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry).toMatchObject({ kind: 'server', status: 'error' });
      expect(byId.get(entry.parentSpanId!)).toMatchObject({ service: 'payment-api', kind: 'client' });
    }
    // The cockatiel policy events of the gateway call are on its span.
    const call = spans.find((s) => s.name === 'card-gateway charge');
    const events = call?.events.map((e) => e.name) ?? [];
    expect(events.some((e) => e === 'retry' || e.startsWith('circuit_breaker.'))).toBe(true);
  });

  it("joins the failed payment's logs from both services on trace_id and correlation_id", async () => {
    const { logs } = await api<{ logs: LogLine[] }>(demo, `api/logs?trace_id=${failed.traceId}&limit=500`);
    expect(new Set(logs.map((l) => l.service))).toEqual(new Set(['payment-api', 'card-gateway']));
    // The load generator's id, carried from the client through payment-api to card-gateway.
    expect(new Set(logs.map((l) => l.correlation_id))).toEqual(new Set([failed.correlationId]));
    const byCorrelation = await api<{ logs: LogLine[] }>(
      demo,
      `api/logs?correlation_id=${encodeURIComponent(failed.correlationId)}&limit=500`,
    );
    expect(byCorrelation.logs.length).toBe(logs.length);
    for (const line of byCorrelation.logs) expect(line.trace_id).toBe(failed.traceId);
  });

  it('gives the Sentry event, the span exception event and the log line of a failure one fingerprint', async () => {
    const { groups } = await api<{ groups: { fingerprint: string; services: string[] }[] }>(demo, 'api/errors');
    let checked = 0;
    for (const group of groups) {
      const detail = await api<{ events: { source: string; traceId?: string; fingerprint: string }[] }>(
        demo,
        `api/errors/${encodeURIComponent(group.fingerprint)}`,
      );
      const sentry = detail.events.find((e) => e.source === 'sentry' && e.traceId);
      if (!sentry) continue;
      const { spans } = await api<{ spans: Span[] }>(demo, `api/traces/${sentry.traceId}`);
      const spanFingerprints = spans.flatMap((s) =>
        s.events.filter((e) => e.name === 'exception').map((e) => e.attributes['otelkit.error.fingerprint']),
      );
      expect(spanFingerprints, group.fingerprint).toContain(group.fingerprint);
      const { logs } = await api<{ logs: LogLine[] }>(demo, `api/logs?trace_id=${sentry.traceId}&level=ERROR`);
      expect(
        logs.map((l) => l.error?.fingerprint),
        group.fingerprint,
      ).toContain(group.fingerprint);
      checked++;
    }
    // At least the outage (card-gateway) and the regression (payment-api) groups.
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('counts the failures in the RED metrics of the charge route, from spans and from metrics', async () => {
    const { red } = await api<{
      red: { service: string; route: string; source: string; count: number; errorCount: number }[];
    }>(demo, 'api/metrics/red?service=payment-api&source=all');
    const rows = red.filter((r) => r.route === 'POST /api/v1/payments/charge');
    expect(rows.map((r) => r.source).sort()).toEqual(['metrics', 'spans']);
    for (const row of rows) {
      expect(row.count).toBeGreaterThan(row.errorCount);
      expect(row.errorCount).toBeGreaterThan(0);
    }
  });

  it('serves the Prometheus exposition (of the running 2.0.1): RED, pool, breaker and the payments metric the alert rules read', async () => {
    const text = await fetch(`${demo.stack.apiUrl}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^payments_total\{outcome="success",/m);
    expect(text).toMatch(/^payments_total\{outcome="error",/m);
    expect(text).toMatch(
      /^db_client_connection_count\{db_client_connection_pool_name="payments-pglite",db_client_connection_state="used"/m,
    );
    expect(text).toMatch(/^card_gateway_circuit_breaker_state\w*\{/m);
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*http_route="\/api\/v1\/payments\/charge"/m);
  });

  it('logs invalid input at WARN naming the fields, and card numbers only masked', async () => {
    const { logs } = await api<{ logs: (LogLine & { context?: Record<string, unknown> })[] }>(
      demo,
      'api/logs?level=WARN&q=Invalid%20charge%20request&limit=50',
    );
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0]!.context?.invalid_fields).toEqual(expect.arrayContaining([expect.any(String)]));
    const all = await api<{ logs: { context?: { card?: unknown } }[] }>(demo, 'api/logs?limit=5000');
    const cards = all.logs.map((l) => l.context?.card).filter((c): c is string => typeof c === 'string');
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) expect(card).toMatch(/^\*{4} \*{4} \*{4} \d{4}$/);
  });

  it('names card-gateway as the origin of the gateway outage', () => {
    expect(outageReport.representativeTrace?.origin?.service).toBe('card-gateway');
    expect(outageReport.topErrors[0]?.firstSeenService).toBe('card-gateway');
  });

  it('flags the regression fingerprint as first seen in version 2.0.1', () => {
    const regression = finalReport.topErrors.find((e) => e.firstSeenVersion === '2.0.1');
    expect(regression).toBeDefined();
    expect(regression!.type).toBe('TypeError');
    expect(regression!.regression).toMatchObject({ version: '2.0.1', previousVersion: '2.0.0' });
  });

  it('charged every paid key of the load exactly once, duplicates and client retries included', () => {
    expect(ledger.length).toBeGreaterThan(20);
    expect(results.some((r) => r.kind === 'duplicate')).toBe(true);
    expect(results.some((r) => r.kind === 'retry')).toBe(true);
    for (const entry of ledger) {
      expect(entry.charges, entry.key).toBeLessThanOrEqual(1);
      if (entry.statuses.includes(201)) expect(entry.charges, entry.key).toBe(1);
    }
  });

  it('charges exactly once for concurrent duplicates sent to the running stack', async () => {
    // The gateway declines a share of charges at random (402); this test is about idempotency, not declines.
    await demo.stack.setGatewayFaults({ declineRate: 0 });
    const key = `e2e-dup-${randomBytes(6).toString('hex')}`;
    const body = chargeBody({ currency: 'USD' });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${demo.stack.apiUrl}/api/v1/payments/charge`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': key,
            authorization: `Bearer ${demo.stack.apiKey}`,
          },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, body: await r.text() })),
      ),
    );
    expect(new Set(replies.map((r) => `${r.status} ${r.body}`)).size).toBe(1);
    expect(replies[0]!.status).toBe(201);
    const stats = await fetch(`${demo.stack.gatewayUrl}/control/charges/${key}`).then((r) => r.json());
    expect(stats).toEqual({ requests: 1, charges: 1 });
  });

  it('stores no secret from the requests in any log, span, metric or event', async () => {
    const secrets = [
      ...TEST_CARDS,
      INSUFFICIENT_FUNDS_CARD,
      '4242424242424241',
      demo.stack.apiKey,
      demo.stack.gatewayKey,
    ];
    const everything = JSON.stringify([
      await api(demo, 'api/logs?limit=5000'),
      await api(demo, 'api/errors'),
      await api(demo, 'api/metrics/red?source=all'),
    ]);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // Every byte the collector persisted: spans, logs, metrics and Sentry events.
    await demo.stack.stop();
    const files = filesUnder(join(demo.workDir, 'collector'));
    expect(files.length).toBeGreaterThan(0);
    let bytes = 0;
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      bytes += text.length;
      for (const secret of secrets) expect(text.includes(secret), `${secret.slice(0, 6)}… in ${file}`).toBe(false);
      expect(/authorization["':\s]+Bearer/i.test(text), `authorization header in ${file}`).toBe(false);
    }
    expect(bytes).toBeGreaterThan(10_000);
  });
});

const hasPostgres = await postgresAvailable();

describe.skipIf(!hasPostgres)('the demo stack on PostgreSQL', () => {
  let demo: Demo;
  const schema = `demo_e2e_${randomBytes(5).toString('hex')}`;
  const workDir = join(tmpdir(), `otelkit-demo-pg-${randomBytes(4).toString('hex')}`);

  beforeAll(async () => {
    demo = await startDemo({
      ports: { grpc: 0, http: 0, ui: 0, api: 0, gateway: 0 },
      workDir,
      databaseUrl: POSTGRES_URL,
      env: { ...FAST_ENV, DATABASE_SCHEMA: schema },
      out: { write: () => true },
    });
  }, 120_000);

  afterAll(async () => {
    await demo?.stop();
    await dropSchema(schema);
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  it('charges exactly once for concurrent duplicates, with identical replies', async () => {
    const ready = await fetch(`${demo.stack.apiUrl}/ready`).then((r) => r.json());
    expect(ready).toMatchObject({ checks: { database: { kind: 'postgres', status: 'healthy' } } });
    // The gateway declines a share of charges at random (402); this test is about idempotency, not declines.
    await demo.stack.setGatewayFaults({ declineRate: 0 });
    for (const currency of ['USD', 'GBP']) {
      const key = `e2e-pg-${randomBytes(6).toString('hex')}`;
      const replies = await Promise.all(
        Array.from({ length: 12 }, () =>
          fetch(`${demo.stack.apiUrl}/api/v1/payments/charge`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'idempotency-key': key,
              authorization: `Bearer ${demo.stack.apiKey}`,
            },
            body: JSON.stringify(chargeBody({ currency })),
          }).then(async (r) => ({ status: r.status, body: await r.text() })),
        ),
      );
      expect(new Set(replies.map((r) => `${r.status} ${r.body}`)).size).toBe(1);
      expect(replies[0]!.status).toBe(201);
      const stats = await fetch(`${demo.stack.gatewayUrl}/control/charges/${key}`).then((r) => r.json());
      expect(stats).toEqual({ requests: 1, charges: 1 });
    }
  });
});
