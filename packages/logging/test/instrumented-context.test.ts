import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { runWithContext } from '@otelkit/core';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoggingMiddleware } from '../src/express.js';
import { loggingPlugin } from '../src/fastify.js';
import { createLogger } from '../src/index.js';
import { capture } from './support/capture.js';

// A server instrumentation (such as @otelkit/tracing's) enters each request's otelkit context before the framework
// sees it, generating the correlation id when the request has none. The glue must keep that id, so the log line,
// the response header and the span all carry the same one.
const out = capture();
const logger = createLogger({ destination: out, level: 'info' });
const instrumented =
  (handler: (req: IncomingMessage, res: ServerResponse) => void) => (req: IncomingMessage, res: ServerResponse) =>
    runWithContext({ correlationId: 'from-instrumentation' }, () => handler(req, res));

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('correlation id from an instrumented context', () => {
  it('express keeps the context id for the header and the completion line', async () => {
    const app = express();
    app.use(createLoggingMiddleware({ logger }));
    app.get('/orders/:id', (_req, res) => {
      res.json({ ok: true });
    });
    const base = await listen(createServer(instrumented(app)));
    out.clear();
    const res = await fetch(`${base}/orders/7`);
    expect(res.headers.get('x-correlation-id')).toBe('from-instrumentation');
    const line = out.records().find((r) => (r.request as { route?: string } | undefined)?.route === '/orders/:id');
    expect(line?.correlation_id).toBe('from-instrumentation');
  });

  it('fastify keeps the context id for the header and the completion line', async () => {
    let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    const app = Fastify({
      serverFactory: (h) => {
        handler = h;
        return createServer(instrumented((req, res) => handler?.(req, res)));
      },
    });
    await app.register(loggingPlugin, { logger });
    app.get('/orders/:id', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app.server);
    out.clear();
    const res = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/orders/7`);
    expect(res.headers.get('x-correlation-id')).toBe('from-instrumentation');
    const line = out.records().find((r) => (r.request as { route?: string } | undefined)?.route === '/orders/:id');
    expect(line?.correlation_id).toBe('from-instrumentation');
  });
});
