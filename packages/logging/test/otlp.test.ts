import { createServer } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { type Collector, startCollector } from '@otelkit/collector';
import { droppedTelemetry, runWithContext, setWarningSink } from '@otelkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';
import { capture, withEnv } from './support/capture.js';

const provider = new NodeTracerProvider();
let collector: Collector;
let restoreEnv: () => void;

beforeAll(async () => {
  provider.register();
  restoreEnv = withEnv({
    OTEL_SERVICE_NAME: 'payment-api',
    OTELKIT_SERVICE_VERSION: 'v2.3.1',
    OTELKIT_ENVIRONMENT: 'test',
    OTELKIT_LOGS_EXPORTER: undefined,
    OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: undefined,
  });
  collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
});

afterAll(async () => {
  await collector?.stop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  restoreEnv();
});

interface StoredLog {
  level: string;
  message: string;
  service: string;
  version?: string;
  environment?: string;
  trace_id?: string;
  span_id?: string;
  correlation_id?: string;
  error?: Record<string, unknown>;
  user?: Record<string, unknown>;
  request?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/** Asks the collector's API until the records of a trace are there (exports are asynchronous by design). */
async function logsOfTrace(traceId: string, count: number): Promise<StoredLog[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const res = await fetch(`${collector.uiUrl.replace(/\/$/, '')}/api/logs?trace_id=${traceId}`);
    const body = (await res.json()) as { logs: StoredLog[] };
    if (body.logs.length >= count) return body.logs;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the collector never received ${count} records of trace ${traceId}`);
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('OTLP log export to the local collector', () => {
  it('exports every record with trace context, severity and the schema attributes; the line is written too', async () => {
    const out = capture();
    const logger = createLogger({ destination: out, otlp: { endpoint: collector.otlpGrpcUrl, scheduledDelayMs: 20 } });
    let traceId = '';
    let spanId = '';
    await trace.getTracer('test').startActiveSpan('POST /charge', async (span) => {
      ({ traceId, spanId } = span.spanContext());
      await runWithContext({ correlationId: 'req-otlp-1', userId: 'user-12345' }, async () => {
        logger.info(
          { request: { method: 'POST', path: '/api/v1/payments/charge', status_code: 402, duration_ms: 12.5 } },
          'charged',
        );
        const error = Object.assign(new Error('Insufficient funds'), { code: 'CARD_DECLINED' });
        logger.error(
          { err: error, payment_method: 'credit_card', amount: 149.99, password: 'hunter2' },
          'Failed to charge card',
        );
        logger.debug('below the level: neither written nor exported');
      });
      span.end();
    });
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    const logs = await logsOfTrace(traceId, 2);
    expect(logs).toHaveLength(2);
    const info = logs.find((l) => l.message === 'charged') as StoredLog;
    const error = logs.find((l) => l.message === 'Failed to charge card') as StoredLog;
    expect(info).toMatchObject({
      level: 'INFO',
      service: 'payment-api',
      version: 'v2.3.1',
      environment: 'test',
      trace_id: traceId,
      span_id: spanId,
      correlation_id: 'req-otlp-1',
      user: { id: 'user-12345' },
      request: { method: 'POST', path: '/api/v1/payments/charge', status_code: 402, duration_ms: 12.5 },
    });
    expect(error).toMatchObject({
      level: 'ERROR',
      trace_id: traceId,
      error: { type: 'Error', message: 'Insufficient funds', category: 'runtime' },
      context: { payment_method: 'credit_card', amount: 149.99, password: '[REDACTED]' },
    });
    expect(typeof error.error?.fingerprint).toBe('string');
    expect(out.records().map((r) => r.message)).toEqual(['charged', 'Failed to charge card']);
    await logger.shutdown({ timeoutMs: 5000 });
  });

  it('is switched on by OTELKIT_LOGS_EXPORTER=otlp and the standard endpoint variable', async () => {
    const restore = withEnv({ OTELKIT_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: collector.otlpGrpcUrl });
    try {
      const logger = createLogger({ destination: capture() });
      let traceId = '';
      trace.getTracer('test').startActiveSpan('env', (span) => {
        traceId = span.spanContext().traceId;
        logger.warn('from the environment');
        span.end();
      });
      await logger.shutdown({ timeoutMs: 5000 });
      const [log] = await logsOfTrace(traceId, 1);
      expect(log).toMatchObject({ level: 'WARN', message: 'from the environment' });
    } finally {
      restore();
    }
  });

  it('stays non-blocking when the collector is down: lines keep flowing, drops are counted and reported once', async () => {
    const warnings: string[] = [];
    const previousSink = setWarningSink((line) => warnings.push(line));
    try {
      const port = await closedPort();
      const out = capture();
      const logger = createLogger({
        destination: out,
        otlp: {
          endpoint: `http://127.0.0.1:${port}`,
          maxQueueSize: 50,
          maxExportBatchSize: 10,
          scheduledDelayMs: 10,
          timeoutMs: 300,
        },
      });
      const droppedBefore = logDrops();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 200; i++) logger.info({ i, round }, 'while the collector is down');
        await new Promise((r) => setTimeout(r, 20));
      }
      // Every line reached the destination at once: export trouble never holds a log call back.
      expect(out.lines).toHaveLength(1000);
      expect(logDrops().queue_full - droppedBefore.queue_full).toBeGreaterThan(0);
      // The exporter's own failures are counted as well, once its deadline passes.
      for (let attempt = 0; attempt < 200 && logDrops().export_failed === droppedBefore.export_failed; attempt++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      clearInterval(ticker);
      expect(logDrops().export_failed).toBeGreaterThan(droppedBefore.export_failed);
      expect(ticks).toBeGreaterThan(0);
      const reports = warnings.filter((w) => w.includes('logging.otlp.dropped'));
      expect(reports).toHaveLength(1);
      expect(JSON.parse(reports[0] as string)).toMatchObject({
        level: 'WARN',
        context: { 'otelkit.warning': 'logging.otlp.dropped' },
      });
      await logger.shutdown({ timeoutMs: 1000 });
    } finally {
      setWarningSink(previousSink);
    }
  });
});

function logDrops(): { queue_full: number; export_failed: number } {
  const drops = droppedTelemetry().filter((d) => d.signal === 'logs');
  const count = (reason: string) => drops.filter((d) => d.reason === reason).reduce((n, d) => n + d.count, 0);
  return { queue_full: count('queue_full'), export_failed: count('export_failed') };
}
