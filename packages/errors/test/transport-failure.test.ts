import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { droppedTelemetry } from '@otelkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { captureError, type ErrorReporter, initErrors } from '../src/index.js';
import { type EnvelopeServer, startEnvelopeServer } from './support/envelope-server.js';

function dropped(reason: string): number {
  return droppedTelemetry().find((d) => d.signal === 'events' && d.reason === reason)?.count ?? 0;
}

/** Distinct messages, so that Sentry's dedupe integration does not fold them into one. */
function captureMany(n: number, label: string): void {
  for (let i = 0; i < n; i++) {
    const result = captureError(new Error(`${label} ${i}`));
    expect(result.fingerprint).toMatch(/^[0-9a-f]{16}$/); // the app gets its answer whatever the endpoint does
  }
}

describe('the envelope endpoint failing', () => {
  let server: EnvelopeServer | undefined;
  let reporter: ErrorReporter | undefined;

  afterEach(async () => {
    await reporter?.shutdown(2000);
    await server?.close();
    reporter = undefined;
    server = undefined;
  });

  it('429 with X-Sentry-Rate-Limits: the refused event is counted and nothing is sent until the limit ends', async () => {
    server = await startEnvelopeServer();
    reporter = initErrors({ dsn: server.dsn, log: false, captureProcessErrors: false });
    const refused = dropped('rate_limited');
    const backedOff = dropped('ratelimit_backoff');

    server.behave({ kind: 'status', status: 429, headers: { 'x-sentry-rate-limits': '60:error:organization' } });
    captureMany(1, 'limited');
    await reporter.flush(10_000);
    expect(server.requests).toBe(1);
    expect(dropped('rate_limited') - refused).toBe(1);

    server.behave({ kind: 'ok' });
    captureMany(5, 'during the limit');
    await reporter.flush(10_000);
    expect(server.requests).toBe(1);
    expect(server.events()).toHaveLength(0);
    expect(dropped('ratelimit_backoff') - backedOff).toBe(5);
  });

  it('429 with Retry-After is honoured the same way', async () => {
    server = await startEnvelopeServer();
    reporter = initErrors({ dsn: server.dsn, log: false, captureProcessErrors: false });
    const backedOff = dropped('ratelimit_backoff');
    server.behave({ kind: 'status', status: 429, headers: { 'retry-after': '60' } });
    captureMany(1, 'retry-after');
    await reporter.flush(10_000);
    server.behave({ kind: 'ok' });
    captureMany(3, 'after retry-after');
    await reporter.flush(10_000);
    expect(server.requests).toBe(1);
    expect(dropped('ratelimit_backoff') - backedOff).toBe(3);
  });

  it('endpoint down: every event is counted as dropped and the app goes on', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    reporter = initErrors({ dsn: `http://key@127.0.0.1:${port}/1`, log: false, captureProcessErrors: false });
    const before = dropped('network_error');
    captureMany(4, 'outage');
    await reporter.flush(10_000);
    expect(dropped('network_error') - before).toBe(4);
  });

  it('endpoint hanging: at most maxQueueSize envelopes wait, the rest are dropped, slow sends time out', async () => {
    server = await startEnvelopeServer();
    server.behave({ kind: 'hang' });
    reporter = initErrors({
      dsn: server.dsn,
      log: false,
      captureProcessErrors: false,
      maxQueueSize: 3,
      sendTimeoutMs: 1500,
    });
    const overflowBefore = dropped('queue_overflow');
    const networkBefore = dropped('network_error');

    captureMany(40, 'slow');
    // The deadline wins while the endpoint hangs: flush answers false instead of waiting.
    expect(await reporter.flush(200)).toBe(false);
    await reporter.flush(15_000);

    expect(server.requests).toBeLessThanOrEqual(3);
    const overflow = dropped('queue_overflow') - overflowBefore;
    const timedOut = dropped('network_error') - networkBefore;
    expect(overflow).toBeGreaterThanOrEqual(37);
    expect(overflow + timedOut).toBe(40);
  });
});
