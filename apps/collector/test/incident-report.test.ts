import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, type IncidentReport, startCollector } from '../src/index.js';
import { logsRequest, postJson, type SpanSpec, tracesRequest } from './support/otlp-json.js';

let collector: Collector;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const FAIL_TRACE = `${'f'.repeat(31)}1`;

/**
 * The demo's incident: payment-api ran 2.3.0 without errors, 2.3.1 was deployed, and then card-gateway timeouts
 * (integration, retryable) made charges fail. The failure originates in card-gateway's span and cascades up through
 * payment-api's client and server spans.
 */
function scenario(): SpanSpec[] {
  const specs: SpanSpec[] = [];
  for (let i = 0; i < 4; i++) {
    specs.push({
      traceId: `a${String(i).padStart(31, '0')}`,
      spanId: `a${String(i).padStart(15, '0')}`,
      name: 'POST /charge',
      service: 'payment-api',
      version: '2.3.0',
      kind: 2,
      startMs: T0 + i * 1000,
      durationMs: 40,
      attributes: { 'http.route': '/charge', 'http.request.method': 'POST', 'http.response.status_code': 200 },
    });
  }
  const s = T0 + 60_000;
  specs.push(
    {
      traceId: FAIL_TRACE,
      spanId: '1000000000000001',
      name: 'POST /charge',
      service: 'payment-api',
      version: '2.3.1',
      kind: 2,
      startMs: s,
      durationMs: 2600,
      error: true,
      attributes: {
        'http.route': '/charge',
        'http.request.method': 'POST',
        'http.response.status_code': 502,
        'otelkit.correlation_id': 'req-incident-1',
        'user.id': 'user-1',
      },
    },
    {
      traceId: FAIL_TRACE,
      spanId: '1000000000000002',
      parentSpanId: '1000000000000001',
      name: 'POST card-gateway',
      service: 'payment-api',
      version: '2.3.1',
      kind: 3,
      startMs: s + 5,
      durationMs: 2550,
      error: true,
    },
    {
      traceId: FAIL_TRACE,
      spanId: '2000000000000003',
      parentSpanId: '1000000000000002',
      name: 'POST /authorize',
      service: 'card-gateway',
      version: '1.0.0',
      kind: 2,
      startMs: s + 10,
      durationMs: 2500,
      error: true,
      exception: {
        type: 'UpstreamTimeoutError',
        message: 'bank did not answer within 2500 ms',
        fingerprint: 'gateway-upstream-timeout',
        severity: 'high',
        category: 'integration',
      },
    },
    {
      traceId: FAIL_TRACE,
      spanId: '2000000000000004',
      parentSpanId: '2000000000000003',
      name: 'SELECT merchant',
      service: 'card-gateway',
      version: '1.0.0',
      kind: 3,
      startMs: s + 12,
      durationMs: 3,
    },
  );
  return specs;
}

let report: IncidentReport;

beforeAll(async () => {
  collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
  expect(await postJson(collector.otlpHttpUrl, '/v1/traces', tracesRequest(scenario()))).toBe(200);
  expect(
    await postJson(
      collector.otlpHttpUrl,
      '/v1/logs',
      logsRequest([
        {
          service: 'card-gateway',
          timeMs: T0 + 62_510,
          severityNumber: 17,
          message: 'bank timeout while authorizing',
          traceId: FAIL_TRACE,
          spanId: '2000000000000003',
          attributes: {
            'otelkit.error.fingerprint': 'gateway-upstream-timeout',
            'exception.type': 'UpstreamTimeoutError',
            'otelkit.error.retryable': true,
          },
        },
        {
          service: 'payment-api',
          timeMs: T0 + 62_600,
          severityNumber: 13,
          message: 'charge failed, answering 502',
          attributes: { 'otelkit.correlation_id': 'req-incident-1' },
        },
        { service: 'payment-api', timeMs: T0 + 1000, severityNumber: 9, message: 'unrelated' },
      ]),
    ),
  ).toBe(200);
  report = collector.report({ now: T0 + 120_000 });
});

afterAll(async () => {
  await collector?.stop();
});

describe('the incident report', () => {
  it('summarizes errors and impact from the data', () => {
    expect(report.summary).toMatchObject({
      errorOccurrences: 1,
      errorGroups: 1,
      services: ['card-gateway'],
      requests: 5,
      failedRequests: 1,
      usersAffected: 1,
    });
    expect(report.summary.errorRatio).toBeCloseTo(1 / 5);
    expect(report.summary.firstErrorAt).toBe(new Date(T0 + 62_510).toISOString());
    expect(report.summary.errorRatioOverTime.some((p) => p.failedRequests === 1)).toBe(true);
  });

  it('lists the top fingerprint with its classification and trend', () => {
    expect(report.topErrors).toHaveLength(1);
    expect(report.topErrors[0]).toMatchObject({
      fingerprint: 'gateway-upstream-timeout',
      type: 'UpstreamTimeoutError',
      severity: 'high',
      category: 'integration',
      retryable: true,
      count: 1,
      trend: 'new',
      firstSeenService: 'card-gateway',
      firstSeenVersion: '1.0.0',
      regression: null,
      sampleTraceId: FAIL_TRACE,
    });
  });

  it('tells where the failure originated and where it cascaded', () => {
    const trace = report.representativeTrace!;
    expect(trace.traceId).toBe(FAIL_TRACE);
    expect(trace.origin).toMatchObject({ spanId: '2000000000000003', service: 'card-gateway' });
    expect(trace.cascade.map((c) => c.spanId)).toEqual(['1000000000000002', '1000000000000001']);
    const roles = Object.fromEntries(trace.timeline.map((e) => [e.spanId, e.role]));
    expect(roles).toEqual({
      '1000000000000001': 'cascade',
      '1000000000000002': 'cascade',
      '2000000000000003': 'origin',
      '2000000000000004': 'ok',
    });
    expect(trace.timeline.find((e) => e.spanId === '2000000000000004')!.depth).toBe(3);
  });

  it('joins related log lines by trace id and correlation id', () => {
    expect(report.relatedLogs.map((l) => l.message)).toEqual([
      'bank timeout while authorizing',
      'charge failed, answering 502',
    ]);
  });

  it('suggests next checks from the classification', () => {
    expect(report.nextChecks[0]).toMatchObject({ fingerprint: 'gateway-upstream-timeout', category: 'integration' });
    expect(report.nextChecks[0]!.check).toMatch(/circuit breaker/);
  });

  it('renders Markdown with the ids, served at /api/report', async () => {
    const response = await fetch(new URL('/api/report?format=markdown', collector.uiUrl));
    expect(response.headers.get('content-type')).toMatch(/text\/markdown/);
    const text = await response.text();
    expect(text).toContain('# Incident report');
    expect(text).toContain('`gateway-upstream-timeout`');
    expect(text).toContain(`Trace \`${FAIL_TRACE}\``);
    expect(text).toMatch(/\*\*Originated\*\* in \*\*card-gateway\*\*, span `2000000000000003`/);
    expect(text).toMatch(/\*\*Cascaded\*\* to \*\*payment-api\*\* \(span `1000000000000002`/);
    const json = (await (await fetch(new URL('/api/report?format=json', collector.uiUrl))).json()) as IncidentReport;
    expect(json.topErrors[0]!.fingerprint).toBe('gateway-upstream-timeout');
  });

  it('flags a regression when a group first appears in a new version of a service', async () => {
    const s = T0 + 90_000;
    expect(
      await postJson(
        collector.otlpHttpUrl,
        '/v1/traces',
        tracesRequest([
          {
            traceId: 'e'.repeat(32),
            spanId: 'e'.repeat(16),
            name: 'POST /charge',
            service: 'payment-api',
            version: '2.3.1',
            kind: 2,
            startMs: s,
            durationMs: 10,
            error: true,
            exception: {
              type: 'TypeError',
              message: "Cannot read properties of undefined (reading 'amount')",
              fingerprint: 'charge-amount-undefined',
              severity: 'high',
              category: 'logic',
            },
          },
        ]),
      ),
    ).toBe(200);
    const r = collector.report({ now: s + 1000 });
    const group = r.topErrors.find((g) => g.fingerprint === 'charge-amount-undefined')!;
    expect(group.regression).toEqual({
      service: 'payment-api',
      version: '2.3.1',
      previousVersion: '2.3.0',
      previousVersionFirstSeen: new Date(T0).toISOString(),
    });
    expect(
      r.nextChecks.some((c) => c.fingerprint === 'charge-amount-undefined' && /rolling payment-api back/.test(c.check)),
    ).toBe(true);
    expect(collector.reportMarkdown({ now: s + 1000 })).toContain(
      '**Regression**: first appeared in payment-api 2.3.1',
    );
  });
});
