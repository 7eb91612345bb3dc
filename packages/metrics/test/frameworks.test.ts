import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressMetrics } from '../src/express.js';
import { fastifyMetrics } from '../src/fastify.js';
import { testProvider } from './support.js';

async function get(base: string, path: string, method = 'GET'): Promise<number> {
  const res = await fetch(base + path, { method });
  await res.text();
  return res.status;
}

function routesOf(points: { attributes: Record<string, unknown> }[]): string[] {
  return points
    .map(
      (p) =>
        `${p.attributes['http.request.method']} ${p.attributes['http.route'] ?? '<none>'} ${p.attributes['http.response.status_code']}${p.attributes['error.type'] ? ` ${p.attributes['error.type']}` : ''}`,
    )
    .sort();
}

describe('Fastify glue', () => {
  const t = testProvider();
  const app = Fastify();
  let base = '';
  beforeAll(async () => {
    await app.register(fastifyMetrics, { meterProvider: t.provider });
    app.get('/payments/:id', async (req) => ({ id: (req.params as { id: string }).id }));
    app.post('/payments', async (_req, reply) => reply.code(201).send({ ok: true }));
    app.get('/boom', async () => {
      throw new TypeError('boom');
    });
    await app.register(
      async (child) => {
        child.get('/refunds/:refundId', async () => 'ok');
      },
      { prefix: '/api/v1' },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    await t.provider.shutdown();
  });

  it('records the route template, never the raw path', async () => {
    for (const id of ['123', '456', 'abc']) expect(await get(base, `/payments/${id}`)).toBe(200);
    expect(await get(base, '/payments', 'POST')).toBe(201);
    expect(await get(base, '/api/v1/refunds/r-9')).toBe(200);
    expect(await get(base, '/nope/123')).toBe(404);
    expect(await get(base, '/boom')).toBe(500);
    const points = await t.points('http.server.request.duration');
    const seen = routesOf(points as never);
    expect(seen).toEqual([
      'GET /api/v1/refunds/:refundId 200',
      'GET /boom 500 TypeError',
      'GET /payments/:id 200',
      'GET <none> 404',
      'POST /payments 201',
    ]);
    const payments = points.find((p) => p.attributes['http.route'] === '/payments/:id')!;
    expect((payments.value as { count: number }).count).toBe(3);
    expect(JSON.stringify(points)).not.toContain('/payments/123');
    const metric = await t.metric('http.server.request.duration');
    expect(metric?.descriptor.unit).toBe('s');
    expect((payments.value as { buckets: { boundaries: number[] } }).buckets.boundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
  });

  it('counts active requests and returns to zero', async () => {
    const active = await t.points('http.server.active_requests');
    const get200 = active.find((p) => p.attributes['http.request.method'] === 'GET');
    expect(get200?.value).toBe(0);
    expect(get200?.attributes['url.scheme']).toBe('http');
  });
});

describe('Fastify glue with the Prometheus endpoint mounted', () => {
  it('serves GET /metrics on the application server', async () => {
    const { startMetrics } = await import('../src/index.js');
    const { metrics: api } = await import('@opentelemetry/api');
    const handle = startMetrics({ otlp: false, prometheus: true, runtime: false, httpClient: false });
    const app = Fastify();
    try {
      await app.register(fastifyMetrics, { metricsEndpoint: { handler: handle.prometheusHandler! } });
      app.get('/orders/:id', async () => 'ok');
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      expect(await get(base, '/orders/1')).toBe(200);
      const res = await fetch(`${base}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await res.text();
      expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*http_route="\/orders\/:id"[^}]*\} 1$/m);
    } finally {
      await app.close();
      await handle.shutdown();
      api.disable();
    }
  });
});

describe('Express glue', () => {
  const t = testProvider();
  const app = express();
  let server: ReturnType<typeof app.listen>;
  let base = '';
  beforeAll(async () => {
    app.use(expressMetrics({ meterProvider: t.provider }));
    app.get('/payments/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const v1 = express.Router();
    v1.get('/refunds/:refundId', (_req, res) => {
      res.send('ok');
    });
    app.use('/api/v1', v1);
    const tenant = express.Router({ mergeParams: true });
    tenant.get('/orders/:orderId', (_req, res) => {
      res.send('ok');
    });
    app.use('/tenants/:tenant', tenant);
    const shop = express();
    const catalog = express.Router();
    catalog.get('/items/:itemId', (_req, res) => {
      res.send('ok');
    });
    shop.use('/catalog', catalog);
    shop.get('/', (_req, res) => {
      res.send('shop');
    });
    app.use('/shops/:shopId', shop);
    app.get('/boom', () => {
      throw new Error('boom');
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await t.provider.shutdown();
  });

  it('records the route template of top-level and mounted routes, never the raw path', async () => {
    for (const id of ['123', '456']) expect(await get(base, `/payments/${id}`)).toBe(200);
    expect(await get(base, '/api/v1/refunds/r-1')).toBe(200);
    expect(await get(base, '/tenants/acme/orders/o-1')).toBe(200);
    expect(await get(base, '/tenants/globex/orders/o-2')).toBe(200);
    expect(await get(base, '/shops/s-1/catalog/items/i-1')).toBe(200);
    expect(await get(base, '/shops/s-2')).toBe(200);
    expect(await get(base, '/missing/123')).toBe(404);
    expect(await get(base, '/boom')).toBe(500);
    // The close event of the last response may land just after fetch resolves.
    await new Promise((r) => setTimeout(r, 50));
    const points = await t.points('http.server.request.duration');
    expect(routesOf(points as never)).toEqual([
      'GET /api/v1/refunds/:refundId 200',
      'GET /boom 500 500',
      'GET /payments/:id 200',
      'GET /shops/:shopId 200',
      'GET /shops/:shopId/catalog/items/:itemId 200',
      'GET /tenants/:tenant/orders/:orderId 200',
      'GET <none> 404',
    ]);
    const text = JSON.stringify(points);
    for (const raw of ['/payments/123', 'acme', 'globex', 'r-1', '/missing', 's-1', 'i-1'])
      expect(text).not.toContain(raw);
  });
});
