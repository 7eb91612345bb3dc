import type { Collector } from '@otelkit/collector';
import { startCollector } from '@otelkit/collector';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  allSpans,
  type ChildService,
  fixture,
  spawnService,
  startTestCollector,
  stopService,
  waitFor,
} from './support/harness.js';

const collectors: Collector[] = [];
const services: ChildService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map(stopService));
});
afterAll(async () => {
  await Promise.all(collectors.map((c) => c.stop()));
});

async function collector(port = 0): Promise<Collector> {
  const c = port === 0 ? await startTestCollector() : await startCollector({ grpcPort: port, httpPort: 0, uiPort: 0 });
  collectors.push(c);
  return c;
}

function serverSpans(c: Collector, service: string) {
  return allSpans(c).filter((s) => s.service === service && s.kind === 'server');
}

describe('exit', () => {
  it('delivers every trace of a service that receives SIGTERM, then exits by that signal', async () => {
    const c = await collector();
    // A schedule delay of a minute: nothing is exported before the signal.
    const svc = await spawnService(fixture('traced-http.mjs'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: c.otlpGrpcUrl,
      OTEL_SERVICE_NAME: 'sigterm-svc',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    services.push(svc);
    const N = 25;
    for (let i = 0; i < N; i++) expect((await fetch(`${svc.url}/work/${i}`)).status).toBe(200);
    expect(serverSpans(c, 'sigterm-svc')).toHaveLength(0);
    svc.child.kill('SIGTERM');
    const exit = await svc.exited;
    expect(exit.signal).toBe('SIGTERM');
    const spans = serverSpans(c, 'sigterm-svc').filter((s) => String(s.attributes['url.path']).startsWith('/work/'));
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(N);
    expect(allSpans(c).filter((s) => s.service === 'sigterm-svc' && s.name === 'work')).toHaveLength(N);
  });

  it('only flushes when the app owns SIGTERM, and the app exits on its own terms', async () => {
    const c = await collector();
    const svc = await spawnService(fixture('traced-http.mjs'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: c.otlpGrpcUrl,
      OTEL_SERVICE_NAME: 'own-sigterm-svc',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      APP_OWNS_SIGTERM: '1',
    });
    services.push(svc);
    for (let i = 0; i < 5; i++) await fetch(`${svc.url}/work/${i}`, { headers: { connection: 'close' } });
    svc.child.kill('SIGTERM');
    const exit = await svc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(serverSpans(c, 'own-sigterm-svc')).toHaveLength(5);
  });

  it('flushes on beforeExit when the event loop runs dry', async () => {
    const c = await collector();
    const svc = await spawnService(fixture('batch-then-exit.mjs'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: c.otlpGrpcUrl,
      OTEL_SERVICE_NAME: 'before-exit-svc',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      SPANS: '12',
    });
    const exit = await svc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(allSpans(c).filter((s) => s.service === 'before-exit-svc')).toHaveLength(12);
  });
});

describe('collector down and back', () => {
  it('keeps serving, bounds the queue, counts drops with one warning per reason, and resumes export', async () => {
    const first = await collector();
    const port = first.grpcPort;
    const svc = await spawnService(fixture('traced-http.mjs'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: first.otlpGrpcUrl,
      OTEL_SERVICE_NAME: 'flaky-collector-svc',
      OTEL_BSP_MAX_QUEUE_SIZE: '40',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1500',
    });
    services.push(svc);
    const tagged = (c: Collector, phase: string) =>
      serverSpans(c, 'flaky-collector-svc').filter((s) =>
        String(s.attributes['url.path']).startsWith(`/work/${phase}`),
      );

    for (let i = 0; i < 5; i++) await fetch(`${svc.url}/work/before-${i}`);
    await waitFor(() => tagged(first, 'before').length === 5, 'spans before the outage');

    await first.stop();
    // The app keeps answering while nothing can be exported.
    const during = 300;
    for (let i = 0; i < during; i++) expect((await fetch(`${svc.url}/work/during-${i}`)).status).toBe(200);
    const stats = await waitFor(async () => {
      const s = (await (await fetch(`${svc.url}/stats`)).json()) as {
        dropped: { signal: string; reason: string; count: number }[];
      };
      const total = s.dropped.filter((d) => d.signal === 'spans').reduce((n, d) => n + d.count, 0);
      // At most a full queue plus one batch in flight can still be waiting: the rest was dropped, not buffered.
      return total >= during * 2 - 40 - 20 ? s : undefined;
    }, 'drops to be counted');
    expect(stats.dropped.some((d) => d.reason === 'queue_full')).toBe(true);

    const second = await collector(port);
    for (let i = 0; i < 5; i++) await fetch(`${svc.url}/work/after-${i}`);
    // gRPC reconnects with backoff: keep sending until the collector sees the new requests.
    await waitFor(
      async () => {
        if (tagged(second, 'after').length > 0) return true;
        await fetch(`${svc.url}/work/after-x`);
        return false;
      },
      'export to resume',
      60_000,
    );
    const warnings = svc
      .output()
      .split('\n')
      .filter((l) => l.includes('"otelkit.warning":"tracing.dropped'));
    const reasons = warnings.map((l) => JSON.parse(l).context['otelkit.warning']);
    expect(new Set(reasons).size).toBe(reasons.length);
    // What reaches the new collector from the outage is at most the bounded backlog (queue + one batch).
    expect(tagged(second, 'during').length).toBeLessThanOrEqual(40 + 20);
  }, 120_000);
});
