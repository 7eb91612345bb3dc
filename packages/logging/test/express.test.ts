import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoggingMiddleware } from '../src/express.js';
import { createLogger } from '../src/index.js';
import {
  capture,
  completionOf as completionOfCapture,
  recordsOf as recordsOfCapture,
  schemaErrors,
} from './support/capture.js';

const out = capture();
const logger = createLogger({ destination: out, level: 'info' });
let server: Server;
let base: string;

async function chargeCard(amount: number): Promise<void> {
  await sleep(2);
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      logger.info({ amount }, 'charging card');
      resolve();
    }),
  );
}

beforeAll(async () => {
  const app = express();
  app.use(createLoggingMiddleware({ logger }));
  app.use(express.json());
  const api = express.Router();
  api.post('/payments/:id/charge', async (req, res) => {
    await chargeCard((req.body as { amount: number }).amount);
    res.status(402).json({ error: 'insufficient funds' });
  });
  api.get('/users/:id', async (_req, res) => {
    await sleep(1);
    logger.info('loading user');
    res.json({ ok: true });
  });
  api.get('/boom', async () => {
    await sleep(1);
    throw new Error('database down');
  });
  app.use('/api/v1', api);
  // Express 5 passes rejected promises to the error handler.
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: 'internal' });
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const recordsOf = (correlationId: string) => recordsOfCapture(out, correlationId);
const completionOf = (correlationId: string) => completionOfCapture(out, correlationId);

describe('@otelkit/logging/express on a real Express 5 server', () => {
  it('keeps the correlation id through body parsing and the async chain, with the route template of a nested router', async () => {
    const res = await fetch(`${base}/api/v1/payments/pay-991/charge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'req-express-1' },
      body: JSON.stringify({ amount: 149.99 }),
    });
    expect(res.status).toBe(402);
    expect(res.headers.get('x-correlation-id')).toBe('req-express-1');
    const charging = recordsOf('req-express-1').find((r) => r.message === 'charging card');
    expect(charging?.context).toEqual({ amount: 149.99 });
    const completion = await completionOf('req-express-1');
    expect(completion).toMatchObject({
      level: 'WARN',
      message: 'POST /api/v1/payments/:id/charge 402',
      request: { method: 'POST', path: '/api/v1/payments/:id/charge', status_code: 402 },
    });
    expect(JSON.stringify(completion)).not.toContain('pay-991');
    for (const r of out.records()) expect(schemaErrors(r)).toEqual([]);
  });

  it('logs 2xx at INFO and 5xx at ERROR, one completion line each', async () => {
    await fetch(`${base}/api/v1/users/42`, { headers: { 'x-correlation-id': 'req-express-2' } });
    await fetch(`${base}/api/v1/boom`, { headers: { 'x-correlation-id': 'req-express-3' } });
    expect(await completionOf('req-express-2')).toMatchObject({
      level: 'INFO',
      request: { route: '/api/v1/users/:id', status_code: 200 },
    });
    expect(recordsOf('req-express-2').map((r) => r.message)).toEqual(['loading user', 'GET /api/v1/users/:id 200']);
    expect(await completionOf('req-express-3')).toMatchObject({
      level: 'ERROR',
      request: { route: '/api/v1/boom', status_code: 500 },
    });
    expect(recordsOf('req-express-3')).toHaveLength(1);
  });

  it('creates an id when none (or an invalid one) arrives, and logs unmatched routes without their raw path', async () => {
    const res = await fetch(`${base}/nowhere/secret-id-456`, { headers: { 'x-correlation-id': 'x'.repeat(200) } });
    expect(res.status).toBe(404);
    const id = res.headers.get('x-correlation-id') as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(await completionOf(id)).toMatchObject({ level: 'WARN', request: { path: '(unmatched)', status_code: 404 } });
    expect(out.lines.filter((l) => l.includes(id)).join('')).not.toContain('secret-id-456');
  });

  it('never mixes the ids of concurrent requests', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `req-epar-${i}`);
    await Promise.all(
      ids.map((id, i) =>
        fetch(`${base}/api/v1/payments/p${i}/charge`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-correlation-id': id },
          body: JSON.stringify({ amount: i }),
        }),
      ),
    );
    for (const [i, id] of ids.entries()) {
      const charging = recordsOf(id).filter((r) => r.message === 'charging card');
      expect(charging).toHaveLength(1);
      expect(charging[0]?.context).toEqual({ amount: i });
    }
  });
});
