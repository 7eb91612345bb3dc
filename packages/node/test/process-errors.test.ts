import type { Collector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, fixture, jsonLines, kill, startApp, startTestCollector, waitFor } from './support/harness.js';

// An error thrown outside any request (here: in a timer after the response) ends an unmodified app as Node would —
// exit code 1, the error on stderr — and is captured first by @otelkit/errors: a FATAL record and a Sentry event.
let collector: Collector;
const apps: App[] = [];
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await Promise.all(apps.map(kill));
  await collector?.stop();
});

describe.each(['express-app.mjs', 'fastify-app.cjs'])('an uncaught exception in %s', (file) => {
  it('is captured, reported to Sentry, and ends the process with exit code 1', async () => {
    const service = `crash-${file.replace('.', '-')}`;
    const app = await startApp(fixture(file), {
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
      SENTRY_DSN: collector.sentryDsn,
      DOWNSTREAM_URL: 'http://127.0.0.1:9',
    });
    apps.push(app);
    const res = await fetch(`${app.url}/crash`);
    expect(res.status).toBe(200);
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.stderr()).toContain('Uncaught Error: background job failed');

    const fatal = jsonLines(app.stdout()).find((l) => l.level === 'FATAL');
    expect(fatal).toMatchObject({ message: 'background job failed', error: { type: 'Error' } });
    const group = await waitFor(
      () => collector.query.listErrorGroups({ service }).find((g) => g.message === 'background job failed'),
      'the error group of the crash',
    );
    expect(group.sources.sentry).toBe(1);
    expect(group.fingerprint).toBe((fatal?.error as { fingerprint?: string } | undefined)?.fingerprint);
  });
});
