import * as Sentry from '@sentry/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureError, type ErrorReporter, initErrors, type SentryIntegrationLike } from '../src/index.js';
import { type EnvelopeServer, startEnvelopeServer } from './support/envelope-server.js';
import type { Parsed } from './support/parsed.js';

describe('Sentry options', () => {
  let server: EnvelopeServer;
  let reporter: ErrorReporter | undefined;

  beforeAll(async () => {
    server = await startEnvelopeServer();
  });
  afterEach(async () => {
    await reporter?.shutdown();
    reporter = undefined;
    server.envelopes.length = 0;
  });
  afterAll(async () => {
    await server.close();
  });

  async function send(error: Error, context?: Parameters<typeof captureError>[1]): Promise<Parsed> {
    captureError(error, context);
    await reporter?.flush(10_000);
    const [event] = await server.waitForEvents(1);
    return event as Parsed;
  }

  it('integrations as a function receive the defaults and return the list', async () => {
    let defaults: string[] = [];
    const tagger: SentryIntegrationLike & { processEvent(e: Parsed): Parsed } = {
      name: 'Tagger',
      processEvent(event) {
        event.tags = { ...event.tags, tagged: 'yes' };
        return event;
      },
    };
    reporter = initErrors({
      dsn: server.dsn,
      log: false,
      captureProcessErrors: false,
      integrations: (list) => {
        defaults = list.map((i) => i.name);
        return [...list.filter((i) => i.name !== 'Modules'), tagger];
      },
    });
    const event = await send(new Error('with my integration'));
    expect(defaults).toEqual(expect.arrayContaining(['OpenTelemetry', 'Otelkit', 'LinkedErrors', 'Modules']));
    expect(defaults).not.toEqual(expect.arrayContaining(['Http', 'NodeFetch', 'Console', 'LocalVariables']));
    expect(event.tags.tagged).toBe('yes');
    expect(event.modules).toBeUndefined();
    expect(event.sdk.integrations).not.toContain('Modules');
  });

  it('sendUserPii keeps the email; allowHeaders adds a header to the allow-list', async () => {
    reporter = initErrors({
      dsn: server.dsn,
      log: false,
      captureProcessErrors: false,
      sendUserPii: true,
      allowHeaders: ['x-tenant'],
    });
    const event = await send(new Error('pii allowed'), {
      user: { id: 'u-1', email: 'ann@example.com' },
      request: { method: 'GET', path: '/x', headers: { 'x-tenant': 'acme', 'user-agent': 'ua', 'x-other': 'no' } },
    });
    expect(event.user).toEqual({ id: 'u-1', email: 'ann@example.com' });
    expect(event.request.headers).toEqual({ 'x-tenant': 'acme', 'user-agent': 'ua' });
  });

  it('sampleRate 0 sends nothing to Sentry, and capture still answers', async () => {
    reporter = initErrors({ dsn: server.dsn, log: false, captureProcessErrors: false, sampleRate: 0 });
    const result = captureError(new Error('sampled out'));
    expect(result.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    await reporter.flush(10_000);
    expect(server.events()).toHaveLength(0);
    expect(Sentry.getClient()?.getOptions().sampleRate).toBe(0);
  });
});
