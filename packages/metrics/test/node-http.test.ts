import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentHttpServer } from '../src/index.js';
import { testProvider } from './support.js';

// The node:http glue records through bound measurements (no attribute hashing per request): counts, buckets and
// attributes must come out as the semantic conventions say, across collections, for finished and aborted requests.
describe('node:http glue', () => {
  const t = testProvider();
  let release: (() => void) | undefined;
  const server = createServer((req, res) => {
    if (req.url === '/hang') {
      release = () => res.end('late');
      return;
    }
    res.statusCode = req.url?.startsWith('/fail') ? 503 : 200;
    res.end('ok');
  });
  let base = '';
  beforeAll(async () => {
    instrumentHttpServer(server, {
      meterProvider: t.provider,
      route: (req) => (req.url?.startsWith('/fail') ? '/fail/:n' : req.url === '/hang' ? '/hang' : '/payments/:id'),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.provider.shutdown();
  });

  const summary = async () =>
    (await t.points('http.server.request.duration'))
      .map((p) => {
        const v = p.value as Histogram;
        expect(v.buckets.counts.reduce((a, b) => a + b, 0)).toBe(v.count);
        expect(v.sum).toBeGreaterThanOrEqual(0);
        const a = p.attributes;
        return `${a['http.request.method']} ${a['http.route']} ${a['http.response.status_code'] ?? '-'} ${a['error.type'] ?? '-'} ${a['url.scheme']} x${v.count}`;
      })
      .sort();

  it('records finished requests per method, route, status and error type, across collections', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/payments/${i}`)).status).toBe(200);
    await fetch(`${base}/fail/1`, { method: 'POST' }).then((r) => r.text());
    expect(await summary()).toEqual(['GET /payments/:id 200 - http x3', 'POST /fail/:n 503 503 http x1']);
    // After a collection the SDK swaps its cells: the next requests must land in the same cumulative series.
    for (let i = 0; i < 2; i++) await fetch(`${base}/payments/${i}`, { method: 'get' }).then((r) => r.text());
    await fetch(`${base}/fail/2`, { method: 'POST' }).then((r) => r.text());
    expect(await summary()).toEqual(['GET /payments/:id 200 - http x5', 'POST /fail/:n 503 503 http x2']);
  });

  it('records a request the client abandons as error.type=aborted and counts it out of the active requests', async () => {
    const req = request(`${base}/hang`);
    req.on('error', () => {});
    req.end();
    await expect.poll(() => release !== undefined).toBe(true);
    const active = async () =>
      (await t.points('http.server.active_requests')).find((p) => p.attributes['http.request.method'] === 'GET')?.value;
    expect(await active()).toBe(1);
    req.destroy();
    await expect.poll(async () => (await summary()).some((s) => s.includes('/hang'))).toBe(true);
    expect((await summary()).filter((s) => s.includes('/hang'))).toEqual(['GET /hang - aborted http x1']);
    expect(await active()).toBe(0);
  });
});
