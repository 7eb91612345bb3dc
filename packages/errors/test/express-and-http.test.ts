import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fingerprint, runWithContext } from '@otelkit/core';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorHandler } from '../src/express.js';
import { withErrorCapture } from '../src/http.js';
import { initErrors } from '../src/index.js';
import { lineSink } from './support/line-sink.js';
import type { Parsed } from './support/parsed.js';

const sink = lineSink();
const reporter = initErrors({ dsn: false, log: sink, captureProcessErrors: false });
const servers: Server[] = [];

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await reporter.shutdown();
});
beforeEach(() => {
  sink.lines.length = 0;
});

describe('@otelkit/errors/express', () => {
  let url: string;
  const errors: Record<string, Error> = {};

  beforeAll(async () => {
    const app = express();
    app.get('/sync', () => {
      errors.sync = new Error('ledger write failed');
      throw errors.sync;
    });
    app.get('/async', async () => {
      errors.async = Object.assign(new Error('gateway timeout'), { code: 'ETIMEDOUT' });
      throw errors.async;
    });
    app.get('/missing', () => {
      throw Object.assign(new Error('payment p-9 not found'), { status: 404 });
    });
    app.get('/streaming', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      throw new Error('failed mid-stream');
    });
    app.get('/in-context', (_req, _res, next) => {
      runWithContext({ correlationId: 'req-from-logging-glue', userId: 'user-7' }, () => next(new Error('in context')));
    });
    app.use(errorHandler());
    url = await listen(createServer(app));
  });

  it('captures a thrown 5xx and answers without message or stack, keeping the correlation id', async () => {
    const res = await fetch(`${url}/sync?x=1`, { headers: { 'x-correlation-id': 'req-abc' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-correlation-id')).toBe('req-abc');
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal Server Error',
      correlation_id: 'req-abc',
    });
    expect(text).not.toContain('ledger');
    const [record] = sink.records();
    expect(record).toMatchObject({
      level: 'ERROR',
      correlation_id: 'req-abc',
      request: { method: 'GET', path: '/sync', route: '/sync', status_code: 500 },
      error: { message: 'ledger write failed', fingerprint: fingerprint(errors.sync) },
    });
  });

  it('captures a rejected async handler with its classification', async () => {
    const res = await fetch(`${url}/async`);
    expect(res.status).toBe(500);
    expect(sink.records()[0]?.error).toMatchObject({ category: 'performance', retryable: true, code: 'ETIMEDOUT' });
  });

  it('does not capture 4xx, and shows the 4xx message', async () => {
    const res = await fetch(`${url}/missing`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Parsed).message).toBe('payment p-9 not found');
    expect(sink.lines).toHaveLength(0);
  });

  it('when the response has started: captures, then lets Express close the connection', async () => {
    await expect(fetch(`${url}/streaming`).then((r) => r.text())).rejects.toThrow();
    expect(sink.records()[0]?.error.message).toBe('failed mid-stream');
  });

  it("uses core's context when the logging glue has set one", async () => {
    const res = await fetch(`${url}/in-context`);
    expect(res.headers.get('x-correlation-id')).toBe('req-from-logging-glue');
    expect(sink.records()[0]).toMatchObject({ correlation_id: 'req-from-logging-glue', user: { id: 'user-7' } });
  });
});

describe('@otelkit/errors/http', () => {
  it('captures sync throws and async rejections of a node:http listener; 4xx stay uncaptured', async () => {
    const url = await listen(
      createServer(
        withErrorCapture(async (req, res) => {
          if (req.url === '/sync') throw new Error('sync failure');
          if (req.url === '/bad') throw Object.assign(new Error('bad amount'), { statusCode: 422 });
          await new Promise((r) => setImmediate(r));
          if (req.url === '/async') throw new Error('async failure');
          res.end('hello');
        }),
      ),
    );
    expect(await (await fetch(`${url}/`)).text()).toBe('hello');
    const sync = await fetch(`${url}/sync`, { headers: { 'x-correlation-id': 'req-http' } });
    expect(sync.status).toBe(500);
    expect(sync.headers.get('x-correlation-id')).toBe('req-http');
    expect(((await sync.json()) as Parsed).message).toBe('Internal Server Error');
    expect((await fetch(`${url}/async`)).status).toBe(500);
    const bad = await fetch(`${url}/bad`);
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as Parsed).message).toBe('bad amount');
    expect(sink.records().map((r) => r.error.message)).toEqual(['sync failure', 'async failure']);
    expect(sink.records()[0]?.correlation_id).toBe('req-http');
  });

  it('captures 4xx too when the rule says so', async () => {
    const url = await listen(
      createServer(
        withErrorCapture(
          () => {
            throw Object.assign(new Error('forbidden'), { status: 403 });
          },
          { capture: (status) => status >= 400 },
        ),
      ),
    );
    expect((await fetch(url)).status).toBe(403);
    expect(sink.records()[0]?.error).toMatchObject({ message: 'forbidden', category: 'security' });
  });
});
