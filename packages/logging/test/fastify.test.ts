import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggingPlugin } from '../src/fastify.js';
import { createLogger } from '../src/index.js';
import {
  capture,
  completionOf as completionOfCapture,
  recordsOf as recordsOfCapture,
  schemaErrors,
} from './support/capture.js';

const out = capture();
const logger = createLogger({ destination: out, level: 'info' });
const build = () => Fastify({ loggerInstance: logger });
let app: ReturnType<typeof build>;
let base: string;

async function lookupUser(id: string): Promise<string> {
  await sleep(2);
  logger.info({ user_lookup: id }, 'looking up user');
  await Promise.resolve();
  return `user-${id}`;
}

beforeAll(async () => {
  app = build();
  await app.register(loggingPlugin, { logger });
  // Registered in an encapsulated child context: the plugin's hooks must still apply (fastify-plugin semantics).
  await app.register(async (scoped) => {
    scoped.get('/users/:id', async (request) => {
      const name = await lookupUser((request.params as { id: string }).id);
      request.log.info('handler done');
      return { name };
    });
    scoped.post('/payments', async (request, reply) => {
      await sleep(1);
      logger.info({ amount: (request.body as { amount: number }).amount }, 'charging');
      reply.code(402);
      return { error: 'insufficient funds' };
    });
    scoped.get('/boom/:id', async () => {
      await sleep(1);
      throw new Error('database down');
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app.close();
});

const recordsOf = (correlationId: string) => recordsOfCapture(out, correlationId);
const completionOf = (correlationId: string) => completionOfCapture(out, correlationId);

describe('@otelkit/logging/fastify on a real Fastify 5 server', () => {
  it('keeps the correlation id across the async chain of a request, echoes it, and logs one completion line', async () => {
    const res = await fetch(`${base}/users/12345`, { headers: { 'x-correlation-id': 'req-fastify-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe('req-fastify-1');
    const completion = await completionOf('req-fastify-1');
    const records = recordsOf('req-fastify-1');
    expect(records.map((r) => r.message)).toEqual(
      expect.arrayContaining(['looking up user', 'handler done', 'GET /users/:id 200']),
    );
    for (const r of out.records()) expect(schemaErrors(r)).toEqual([]);
    expect(completion).toMatchObject({
      level: 'INFO',
      request: { method: 'GET', path: '/users/:id', route: '/users/:id', status_code: 200 },
    });
    expect(
      out.lines.filter((l) => l.includes('"message":"GET /users/:id 200"') && l.includes('req-fastify-1')),
    ).toHaveLength(1);
    expect(JSON.stringify(completion)).not.toContain('/users/12345');
  });

  it('carries the context through body parsing (POST) and logs 4xx at WARN', async () => {
    const res = await fetch(`${base}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'req-fastify-2' },
      body: JSON.stringify({ amount: 149.99 }),
    });
    expect(res.status).toBe(402);
    const charging = recordsOf('req-fastify-2').find((r) => r.message === 'charging');
    expect(charging?.context).toMatchObject({ amount: 149.99 });
    expect(await completionOf('req-fastify-2')).toMatchObject({
      level: 'WARN',
      request: { status_code: 402, route: '/payments' },
    });
  });

  it('logs 5xx at ERROR, unmatched routes without their raw path, and makes a new id for an invalid one', async () => {
    const boom = await fetch(`${base}/boom/7`, { headers: { 'x-correlation-id': 'req-fastify-3' } });
    expect(boom.status).toBe(500);
    expect(await completionOf('req-fastify-3')).toMatchObject({
      level: 'ERROR',
      request: { route: '/boom/:id', status_code: 500 },
    });

    const missing = await fetch(`${base}/nowhere/secret-id-123`, { headers: { 'x-correlation-id': 'bad id!' } });
    expect(missing.status).toBe(404);
    const id = missing.headers.get('x-correlation-id') as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(await completionOf(id)).toMatchObject({ level: 'WARN', request: { path: '(unmatched)', status_code: 404 } });
    expect(out.lines.some((l) => l.includes('secret-id-123') && l.includes(id) && l.includes('duration_ms'))).toBe(
      false,
    );
  });

  it('never mixes the ids of concurrent requests', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `req-par-${i}`);
    await Promise.all(ids.map((id, i) => fetch(`${base}/users/${i}`, { headers: { 'x-correlation-id': id } })));
    for (const [i, id] of ids.entries()) {
      const lookups = recordsOf(id).filter((r) => r.message === 'looking up user');
      expect(lookups).toHaveLength(1);
      expect(lookups[0]?.context).toMatchObject({ user_lookup: String(i) });
    }
  });
});
