// The collector's web UI in a real headless Chromium (Debian `chromium`, driven by playwright-core), against a
// collector started in-process that received real data: spans and logs from the OpenTelemetry JS SDK through the
// OTLP http/protobuf exporters, and an error event from the real @sentry/node SDK. The test walks the path a developer
// takes during an incident — services → trace → waterfall → its logs → its error group → back to the trace — and
// saves a screenshot of every page to test-results/screenshots/.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import * as Sentry from '@sentry/node';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, startCollector } from '../src/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
const screenshots = join(packageDir, 'test-results', 'screenshots');
const FINGERPRINT = 'payment-insufficient-funds';
/** Generous waits: the machine may be a busy 2-core runner. */
const POLL = { timeout: 30_000, interval: 100 };
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

// Without a browser the test cannot say anything about the UI. Locally it is skipped with a note; in CI (where
// .ci/run installs Debian chromium) a missing browser is a failed test, never a silent skip.
const haveBrowser = existsSync(CHROMIUM);
const suite = haveBrowser ? describe : describe.skip;
if (!haveBrowser && process.env.CI) {
  describe('the collector web UI in headless Chromium', () => {
    it('has a Chromium to drive', () => {
      expect.fail(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium (listed in .ci/apt-packages)`);
    });
  });
} else if (!haveBrowser) {
  console.warn(`ui.browser.test: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

class PaymentProcessingException extends Error {
  override name = 'PaymentProcessingException';
}

interface Sent {
  /** The request the test follows: the most recent failure. */
  traceId: string;
  spanCount: number;
  gatewaySpanId: string;
  /** Log records emitted in that trace. */
  logCount: number;
  correlationId: string;
}

/**
 * Traffic as two services produce it: 24 payment requests over the last 12 minutes (every 5th fails in the card
 * gateway with an exception, an ERROR log carrying the fingerprint, and a WARN upstream), plus health checks.
 * Span times are set explicitly so the RED charts have a history; everything goes through the real exporters.
 */
async function sendTraffic(collector: Collector): Promise<Sent> {
  const providers = ['payment-api', 'card-gateway'].map((service) => {
    const resource = resourceFromAttributes({
      'service.name': service,
      'service.version': service === 'payment-api' ? 'v2.3.1' : 'v1.0.4',
      'deployment.environment.name': 'dev',
      'host.name': `${service}-pod-1`,
    });
    // Batching processors: a few export requests instead of one per span, flushed explicitly below.
    const batch = { maxQueueSize: 4096, maxExportBatchSize: 512, scheduledDelayMillis: 60_000 };
    const tracerProvider = new BasicTracerProvider({
      resource,
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collector.otlpHttpUrl}/v1/traces` }), batch),
      ],
    });
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: `${collector.otlpHttpUrl}/v1/logs` }),
          ...batch,
        }),
      ],
    });
    return {
      tracerProvider,
      loggerProvider,
      tracer: tracerProvider.getTracer('ui-browser-test', '1.0.0'),
      logger: loggerProvider.getLogger('ui-browser-test'),
    };
  });
  const [api, gateway] = providers as [(typeof providers)[0], (typeof providers)[0]];

  const now = Date.now();
  let featured: Sent | undefined;
  const REQUESTS = 24;
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = now - (REQUESTS - i) * 30_000;
    const fails = i % 5 === 3 || i === REQUESTS - 1;
    const total = fails ? 1_180 + (i % 3) * 40 : 60 + ((i * 37) % 140);
    const correlationId = `req-${i.toString(16).padStart(4, '0')}-7f3b`;
    const userId = `user-${1000 + (i % 7)}`;
    const at = (ms: number) => new Date(t0 + ms);
    let logs = 0;

    const server = api.tracer.startSpan(
      'POST /api/v1/payments/charge',
      {
        kind: SpanKind.SERVER,
        startTime: at(0),
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/api/v1/payments/charge',
          'url.path': '/api/v1/payments/charge',
          'http.response.status_code': fails ? 502 : 201,
          'otelkit.correlation_id': correlationId,
          'user.id': userId,
          'payment.amount': 149.99,
          'payment.currency': 'USD',
        },
      },
      ROOT_CONTEXT,
    );
    const serverCtx = trace.setSpan(ROOT_CONTEXT, server);
    const emit = (
      target: typeof api,
      ctx: Context,
      ms: number,
      level: 'INFO' | 'WARN' | 'ERROR',
      body: string,
      attributes: Record<string, string | number> = {},
    ) => {
      logs++;
      target.logger.emit({
        timestamp: at(ms),
        severityNumber: SeverityNumber[level],
        severityText: level,
        body,
        context: ctx,
        attributes: { 'otelkit.correlation_id': correlationId, 'user.id': userId, ...attributes },
      });
    };
    emit(api, serverCtx, 1, 'INFO', i === REQUESTS - 1 ? `charge requested ${XSS}` : 'charge requested', {
      'payment.method': 'credit_card',
    });

    const validate = api.tracer.startSpan('validate payment', { startTime: at(2) }, serverCtx);
    validate.end(at(9));

    const client = api.tracer.startSpan(
      'POST card-gateway /charge',
      {
        kind: SpanKind.CLIENT,
        startTime: at(10),
        attributes: { 'server.address': 'card-gateway', 'http.request.method': 'POST' },
      },
      serverCtx,
    );
    const clientCtx = trace.setSpan(ROOT_CONTEXT, client);
    const gw = gateway.tracer.startSpan(
      'POST /charge',
      {
        kind: SpanKind.SERVER,
        startTime: at(14),
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/charge',
          'url.path': '/charge',
          'http.response.status_code': fails ? 402 : 200,
          'otelkit.correlation_id': correlationId,
        },
      },
      clientCtx,
    );
    const gwCtx = trace.setSpan(ROOT_CONTEXT, gw);
    const db = gateway.tracer.startSpan(
      'SELECT cards',
      {
        kind: SpanKind.CLIENT,
        startTime: at(18),
        attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM cards WHERE id = $1' },
      },
      gwCtx,
    );
    db.end(at(30));

    if (fails) {
      const stack =
        'PaymentProcessingException: Failed to charge card: Insufficient funds\n' +
        '    at chargeCard (/app/card-gateway/src/charge.ts:42:11)\n' +
        '    at handleCharge (/app/card-gateway/src/routes/charge.ts:17:5)';
      const error = {
        'exception.type': 'PaymentProcessingException',
        'exception.message': 'Failed to charge card: Insufficient funds',
        'exception.stacktrace': stack,
        'otelkit.error.fingerprint': FINGERPRINT,
        'otelkit.error.severity': 'medium',
        'otelkit.error.category': 'integration',
      };
      gw.addEvent('exception', error, at(total - 30));
      gw.setStatus({ code: SpanStatusCode.ERROR, message: 'Insufficient funds' });
      emit(gateway, gwCtx, total - 29, 'ERROR', 'Failed to charge card', {
        ...error,
        'http.request.method': 'POST',
        'url.path': '/charge',
        'http.response.status_code': 402,
      });
      client.setStatus({ code: SpanStatusCode.ERROR, message: 'card-gateway answered 402' });
      emit(api, clientCtx, total - 10, 'WARN', 'card-gateway failed, answering 502');
      server.setStatus({ code: SpanStatusCode.ERROR });
    } else {
      emit(gateway, gwCtx, total - 20, 'INFO', 'card charged');
    }
    if (i === 7) {
      emit(api, serverCtx, total - 2, 'ERROR', 'Could not record the payment', {
        'exception.type': 'TimeoutError',
        'exception.message': 'timeout exceeded when trying to connect',
        'exception.stacktrace':
          'TimeoutError: timeout exceeded when trying to connect\n    at Pool.connect (/app/payment-api/src/db.ts:31:9)',
        'otelkit.error.fingerprint': 'db-pool-timeout',
        'otelkit.error.severity': 'high',
        'otelkit.error.category': 'performance',
      });
    }
    gw.end(at(total - 25));
    client.end(at(total - 20));
    server.end(at(total));

    if (i === REQUESTS - 1) {
      // The same failure through the real Sentry SDK, carrying the gateway span's trace context as a Sentry SDK
      // inside that service would.
      Sentry.withScope((scope) => {
        scope.setContext('trace', { trace_id: gw.spanContext().traceId, span_id: gw.spanContext().spanId });
        scope.setFingerprint([FINGERPRINT]);
        scope.setTag('service.name', 'card-gateway');
        scope.setTag('otelkit.correlation_id', correlationId);
        scope.setTag('otelkit.error.severity', 'medium');
        scope.setTag('otelkit.error.category', 'integration');
        scope.setUser({ id: userId });
        scope.addBreadcrumb({ category: 'payment', message: 'charging card ending 4242', level: 'info' });
        scope.addBreadcrumb({
          category: 'http',
          message: 'POST https://processor.example/charge → 402',
          level: 'warning',
        });
        Sentry.captureException(new PaymentProcessingException('Failed to charge card: Insufficient funds'));
      });
      featured = {
        traceId: server.spanContext().traceId,
        spanCount: 5,
        gatewaySpanId: gw.spanContext().spanId,
        logCount: logs,
        correlationId,
      };
    }
  }
  for (let i = 0; i < 6; i++) {
    const t = new Date(now - i * 90_000);
    const health = api.tracer.startSpan(
      'GET /health',
      {
        kind: SpanKind.SERVER,
        startTime: t,
        attributes: { 'http.request.method': 'GET', 'http.route': '/health', 'http.response.status_code': 200 },
      },
      ROOT_CONTEXT,
    );
    health.end(new Date(t.getTime() + 2));
  }

  for (const p of providers) {
    await p.tracerProvider.forceFlush();
    await p.loggerProvider.forceFlush();
  }
  expect(await Sentry.flush(10_000)).toBe(true);
  for (const p of providers) {
    await p.tracerProvider.shutdown();
    await p.loggerProvider.shutdown();
  }
  return featured!;
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

suite('the collector web UI in headless Chromium', { timeout: 120_000 }, () => {
  let collector: Collector;
  let browser: Browser;
  let page: Page;
  let sent: Sent;
  let uiDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Build the UI from source into a private directory: the test checks the current UI and is not disturbed by a
    // concurrent package build rewriting dist/ui.
    uiDir = await mkdtemp(join(tmpdir(), 'otelkit-ui-'));
    await promisify(execFile)(process.execPath, ['scripts/build-ui.mjs', '--no-typecheck', '--out-dir', uiDir], {
      cwd: packageDir,
    });
    await mkdir(screenshots, { recursive: true });

    collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0, uiDir });
    Sentry.init({
      dsn: collector.sentryDsn,
      release: 'card-gateway@v1.0.4',
      environment: 'dev',
      serverName: 'card-gateway-pod-1',
      tracesSampleRate: 0,
    });
    sent = await sendTraffic(collector);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Sentry.close(2_000);
    await collector?.stop();
    if (uiDir) await rm(uiDir, { recursive: true, force: true });
  });

  it('shows both services with RED numbers and charts', async () => {
    await page.goto(collector.uiUrl);
    const cards = page.getByTestId('service-card');
    await expect.poll(() => cards.count(), POLL).toBe(2);
    const gatewayCard = page.locator('[data-testid=service-card][data-service="card-gateway"]');
    await expect.poll(() => gatewayCard.textContent(), POLL).toContain('v1.0.4');
    expect(await page.getByTestId('chart-error-ratio').locator('path[d^="M"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('chart-latency').locator('path[d^="M"]').count()).toBeGreaterThan(0);
    const routes = await page.getByTestId('red-row').allTextContents();
    expect(routes.some((r) => r.includes('POST /charge'))).toBe(true);
    expect(routes.some((r) => r.includes('GET /health'))).toBe(true);
    await shoot(page, 'services');
  });

  it('finds the failing trace and opens its waterfall', async () => {
    await page.getByTestId('nav-traces').click();
    await expect.poll(() => page.getByTestId('trace-row').count(), POLL).toBe(30);
    await shoot(page, 'traces');
    await page.getByTestId('filter-status').selectOption('error');
    const row = page.locator(`[data-testid=trace-row][data-trace-id="${sent.traceId}"]`);
    // The featured trace is in the unfiltered list too: wait for the filtered list before reading its order.
    await expect.poll(() => page.getByTestId('trace-row').count(), POLL).toBe(5);
    await row.waitFor();
    // Newest first: the request the test follows is the most recent failure.
    expect(await page.getByTestId('trace-row').first().getAttribute('data-trace-id')).toBe(sent.traceId);
    expect(await row.getByTestId('status-pill').textContent()).toBe('Error');
    await shoot(page, 'traces-failed');

    await row.getByTestId('trace-link').click();
    await page.getByTestId('waterfall').waitFor();
    expect(page.url()).toContain(`#/traces/${sent.traceId}`);
    const rows = page.getByTestId('span-row');
    await expect.poll(() => rows.count(), POLL).toBe(sent.spanCount);
    // Tree order: the root first, the database call under the gateway span last.
    expect(await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-span-name')))).toEqual([
      'POST /api/v1/payments/charge',
      'validate payment',
      'POST card-gateway /charge',
      'POST /charge',
      'SELECT cards',
    ]);
    expect(await page.getByTestId('trace-id').textContent()).toBe(sent.traceId);

    const gatewayRow = page.locator(`[data-testid=span-row][data-span-id="${sent.gatewaySpanId}"]`);
    await gatewayRow.getByTestId('span-select').click();
    const detail = page.getByTestId('span-detail');
    await detail.waitFor();
    expect(await page.getByTestId('span-detail-name').textContent()).toBe('POST /charge');
    const attributes = await page.getByTestId('span-attributes').textContent();
    expect(attributes).toContain('http.route');
    expect(attributes).toContain('/charge');
    const events = await page.getByTestId('span-events').textContent();
    expect(events).toContain('exception');
    expect(events).toContain('PaymentProcessingException');
    expect(events).toContain('chargeCard (/app/card-gateway/src/charge.ts:42:11)');
    expect(await page.getByTestId('trace-error-link').first().getAttribute('href')).toBe(`#/errors/${FINGERPRINT}`);
    await shoot(page, 'trace-waterfall');
  });

  it('follows the trace to its logs, with untrusted text shown as text', async () => {
    await page.getByTestId('trace-logs-link').click();
    await page.getByTestId('log-table').waitFor();
    expect(decodeURIComponent(page.url())).toContain(`#/logs?trace_id=${sent.traceId}`);
    const rows = page.getByTestId('log-row');
    await expect.poll(() => rows.count(), POLL).toBe(sent.logCount);
    expect(new Set(await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-trace-id'))))).toEqual(
      new Set([sent.traceId]),
    );
    const table = await page.getByTestId('log-table').textContent();
    expect(table).toContain('Failed to charge card');
    expect(table).toContain(sent.correlationId);
    // The log body holds markup and script: it must appear literally and never run.
    expect(table).toContain(XSS);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('[data-testid=log-table] img, [data-testid=log-table] script').count()).toBe(0);

    const errorRow = page.locator('[data-testid=log-row]', { hasText: 'Failed to charge card' });
    await errorRow.getByTestId('log-expand').click();
    expect(await page.getByTestId('log-detail').textContent()).toContain('charge.ts:42:11');
    await shoot(page, 'logs');
  });

  it('follows the error log to its error group, with stack trace, breadcrumbs and the trace', async () => {
    await page
      .locator('[data-testid=log-row]', { hasText: 'Failed to charge card' })
      .getByTestId('log-error-link')
      .click();
    await page.getByTestId('error-title').waitFor();
    expect(page.url()).toContain(`#/errors/${FINGERPRINT}`);
    expect(await page.getByTestId('error-title').textContent()).toBe('PaymentProcessingException');
    expect(await page.getByTestId('error-fingerprint').textContent()).toBe(FINGERPRINT);
    expect(await page.getByTestId('error-message').textContent()).toContain('Insufficient funds');
    await page.getByTestId('stack-trace').waitFor();
    expect(await page.getByTestId('stack-trace').textContent()).toContain('PaymentProcessingException');
    // The Sentry event is the richest occurrence, so its breadcrumbs are shown.
    const breadcrumbs = await page.getByTestId('breadcrumbs').textContent();
    expect(breadcrumbs).toContain('charging card ending 4242');
    expect(await page.getByTestId('error-occurrences').textContent()).toContain('sentry');
    const traceLink = page.getByTestId('error-trace-link');
    expect(await traceLink.getAttribute('href')).toBe(`#/traces/${sent.traceId}`);
    await shoot(page, 'error-group');

    await traceLink.click();
    await page.getByTestId('waterfall').waitFor();
    expect(await page.getByTestId('trace-id').textContent()).toBe(sent.traceId);
  });

  it('lists the error group and renders the incident report', async () => {
    await page.getByTestId('nav-errors').click();
    const group = page.locator(`[data-testid=error-row][data-fingerprint="${FINGERPRINT}"]`);
    await group.waitFor();
    expect(await group.textContent()).toContain('card-gateway');
    const timeout = page.locator('[data-testid=error-row][data-fingerprint="db-pool-timeout"]');
    expect(await timeout.textContent()).toContain('TimeoutError');
    expect(await timeout.textContent()).toContain('payment-api');
    await shoot(page, 'errors');

    await page.getByTestId('nav-report').click();
    const report = page.getByTestId('report-body');
    await report.waitFor();
    expect(await report.textContent()).toContain(FINGERPRINT);
    expect(await report.locator('h2, h3').count()).toBeGreaterThan(0);
    // Ids in the report are links: the fingerprint to its group, the trace id to its waterfall.
    const links = await report
      .getByTestId('report-code-link')
      .evaluateAll((els) => els.map((el) => el.getAttribute('href')));
    expect(links).toContain(`#/errors/${FINGERPRINT}`);
    expect(links).toContain(`#/traces/${sent.traceId}`);
    expect(await page.getByTestId('report-error-chart').locator('path[d^="M"]').count()).toBe(1);
    // The report quotes the hostile log line; it stays text there too.
    expect(await report.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    await shoot(page, 'report');
  });

  it('renders the same waterfall in the dark theme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${collector.uiUrl}#/traces/${sent.traceId}?span=${sent.gatewaySpanId}`);
    await page.getByTestId('span-detail').waitFor();
    // The callback runs in the page; the test's type-check has no DOM library, hence the narrow cast.
    const background = await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { body: object };
        getComputedStyle(element: object): { backgroundColor: string };
      };
      return g.getComputedStyle(g.document.body).backgroundColor;
    });
    expect(background).not.toBe('rgb(246, 247, 249)');
    await shoot(page, 'trace-waterfall-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('logged no script errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
