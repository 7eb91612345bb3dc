import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Collector, loadDataDir, startCollector } from '../src/index.js';
import { logsRequest, postJson, tracesRequest } from './support/otlp-json.js';

const dirs: string[] = [];
const running: Collector[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otelkit-collector-'));
  dirs.push(dir);
  return dir;
}

async function start(dataDir: string, limits = {}): Promise<Collector> {
  const c = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0, dataDir, limits });
  running.push(c);
  return c;
}

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const TRACE = 'c'.repeat(32);
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

async function envelope(c: Collector): Promise<number> {
  const event = {
    event_id: 'd'.repeat(32),
    timestamp: T0 / 1000,
    release: 'payment-service@2.3.1',
    fingerprint: ['db-pool-exhausted'],
    exception: { values: [{ type: 'PoolExhaustedError', value: 'no connection available' }] },
    contexts: { trace: { trace_id: TRACE, span_id: 'c'.repeat(16) } },
  };
  const body = `${JSON.stringify({ event_id: event.event_id })}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}\n`;
  const response = await fetch(`${c.otlpHttpUrl}/api/1/envelope/`, { method: 'POST', body });
  await response.arrayBuffer();
  return response.status;
}

describe('a data directory', () => {
  it('keeps spans, logs and Sentry events across a restart', async () => {
    const dataDir = await tempDir();
    const first = await start(dataDir);
    expect(
      await postJson(
        first.otlpHttpUrl,
        '/v1/traces',
        tracesRequest([
          {
            traceId: TRACE,
            spanId: 'c'.repeat(16),
            name: 'GET /pool',
            service: 'payment-service',
            kind: 2,
            startMs: T0,
            durationMs: 12,
            error: true,
          },
        ]),
      ),
    ).toBe(200);
    expect(
      await postJson(
        first.otlpHttpUrl,
        '/v1/logs',
        logsRequest([
          { service: 'payment-service', timeMs: T0 + 1, severityNumber: 17, message: 'pool exhausted', traceId: TRACE },
        ]),
      ),
    ).toBe(200);
    expect(await envelope(first)).toBe(200);
    await first.stop();

    const second = await start(dataDir);
    const trace = second.query.getTrace(TRACE)!;
    expect(trace.spans.map((s) => s.name)).toEqual(['GET /pool']);
    expect(second.query.searchLogs({ traceId: TRACE }).map((l) => l.message)).toEqual(['pool exhausted']);
    expect(second.query.getErrorGroup('db-pool-exhausted')).toMatchObject({
      count: 1,
      sampleTraceId: TRACE,
      versions: ['2.3.1'],
    });
    expect(second.query.stats().persistence).toMatchObject({ enabled: true, loaded: 3, skippedLines: 0 });

    // What the second run receives is appended too, and a third run sees both.
    expect(
      await postJson(
        second.otlpHttpUrl,
        '/v1/logs',
        logsRequest([
          { service: 'payment-service', timeMs: T0 + 2, severityNumber: 9, message: 'recovered', traceId: TRACE },
        ]),
      ),
    ).toBe(200);
    await second.stop();
    const data = await loadDataDir(dataDir);
    expect(data.query.searchLogs({ traceId: TRACE }).map((l) => l.message)).toEqual(['recovered', 'pool exhausted']);
    expect(data.reportMarkdown()).toContain('`db-pool-exhausted`');
  });

  it('stays bounded: old segments are deleted as new ones fill', async () => {
    const dataDir = await tempDir();
    const c = await start(dataDir, { maxLogs: 40 });
    for (let i = 0; i < 30; i++) {
      const logs = Array.from({ length: 10 }, (_, j) => ({
        service: 'busy',
        timeMs: T0 + i * 10 + j,
        severityNumber: 9,
        message: `line ${i * 10 + j}`,
      }));
      expect(await postJson(c.otlpHttpUrl, '/v1/logs', logsRequest(logs))).toBe(200);
    }
    await c.stop();
    const segments = await readdir(join(dataDir, 'logs'));
    expect(segments.length).toBeLessThanOrEqual(5);
    const data = await loadDataDir(dataDir, { maxLogs: 40 });
    const kept = data.query.searchLogs({ limit: 1000 });
    expect(kept).toHaveLength(40);
    expect(kept[0]!.message).toBe('line 299');
  });

  it('skips damaged lines instead of failing to start', async () => {
    const dataDir = await tempDir();
    const c = await start(dataDir);
    expect(
      await postJson(
        c.otlpHttpUrl,
        '/v1/logs',
        logsRequest([{ service: 's', timeMs: T0, severityNumber: 9, message: 'kept' }]),
      ),
    ).toBe(200);
    await c.stop();
    const { appendFile } = await import('node:fs/promises');
    const [segment] = await readdir(join(dataDir, 'logs'));
    await appendFile(join(dataDir, 'logs', segment!), '{"timestamp": 1}\nnot json at all\n{"trunc');
    const again = await start(dataDir);
    expect(again.query.searchLogs().map((l) => l.message)).toEqual(['kept']);
    expect(again.query.stats().persistence.skippedLines).toBe(3);
  });
});
