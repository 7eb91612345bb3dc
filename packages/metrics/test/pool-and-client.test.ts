import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@otelkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentHttpClients } from '../src/http/client-metrics.js';
import { observePool } from '../src/index.js';
import { captureWarnings, testProvider } from './support.js';

describe('observePool', () => {
  it('publishes a pg-like pool and a custom pool with semconv names, states and the wait-time histogram', async () => {
    const t = testProvider();
    const pg = { totalCount: 20, idleCount: 2, waitingCount: 7, options: { max: 20 } };
    const a = observePool('payments-db', pg, { meterProvider: t.provider });
    const b = observePool('cache', () => ({ used: 1, idle: 3, max: 8 }), { meterProvider: t.provider });
    await a.timeAcquire(async () => 'conn');
    a.recordWaitTime(0.3);
    a.recordWaitTime(Number.NaN); // ignored
    const count = await t.points('db.client.connection.count');
    const row = (pool: string, state: string) =>
      count.find(
        (p) =>
          p.attributes['db.client.connection.pool.name'] === pool &&
          p.attributes['db.client.connection.state'] === state,
      )?.value;
    expect([
      row('payments-db', 'used'),
      row('payments-db', 'idle'),
      row('cache', 'used'),
      row('cache', 'idle'),
    ]).toEqual([18, 2, 1, 3]);
    const max = await t.points('db.client.connection.max');
    expect(max.map((p) => [p.attributes['db.client.connection.pool.name'], p.value]).sort()).toEqual([
      ['cache', 8],
      ['payments-db', 20],
    ]);
    const pending = await t.points('db.client.connection.pending_requests');
    expect(pending.find((p) => p.attributes['db.client.connection.pool.name'] === 'payments-db')?.value).toBe(7);
    const wait = await t.points('db.client.connection.wait_time');
    expect((wait[0]!.value as { count: number }).count).toBe(2);
    expect((await t.metric('db.client.connection.wait_time'))!.descriptor.unit).toBe('s');
    // The pool follows its live stats.
    pg.idleCount = 20;
    pg.waitingCount = 0;
    const later = await t.points('db.client.connection.count');
    expect(
      later.find(
        (p) =>
          p.attributes['db.client.connection.pool.name'] === 'payments-db' &&
          p.attributes['db.client.connection.state'] === 'used',
      )?.value,
    ).toBe(0);
    a.close();
    b.close();
    const closed = await t.points('db.client.connection.count');
    expect(closed.some((p) => p.attributes['db.client.connection.pool.name'] === 'cache')).toBe(true); // cumulative history kept
    await t.provider.shutdown();
  });

  it('rejects bad arguments at start and survives a throwing stats function at run time', async () => {
    expect(() => observePool('', () => ({ used: 0, idle: 0 }))).toThrow(ConfigError);
    expect(() => observePool('x', {} as never)).toThrow(/totalCount, idleCount, waitingCount/);
    const warnings = captureWarnings();
    try {
      const t = testProvider();
      const p = observePool(
        'broken',
        () => {
          throw new Error('pool closed');
        },
        { meterProvider: t.provider },
      );
      const points = await t.points('db.client.connection.count');
      expect(points.some((x) => x.attributes['db.client.connection.pool.name'] === 'broken')).toBe(false);
      expect(warnings.lines.some((l) => l.includes('pool \\"broken\\"'))).toBe(true);
      p.close();
      await t.provider.shutdown();
    } finally {
      warnings.restore();
    }
  });
});

describe('HTTP client metrics', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('records fetch and node:http calls with semconv attributes and never the path or query', async () => {
    const t = testProvider();
    const stop = instrumentHttpClients(t.provider);
    try {
      await (await fetch(`http://127.0.0.1:${port}/orders/42?token=abc`)).text();
      await (await fetch(`http://127.0.0.1:${port}/missing`, { method: 'POST' })).text();
      await new Promise<void>((resolve) =>
        httpGet(`http://127.0.0.1:${port}/legacy/7`, (res) => {
          res.resume();
          res.on('end', resolve);
        }),
      );
      // A refused connection: an error type, no status.
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      await fetch(`http://127.0.0.1:${deadPort}/`).catch(() => undefined);
      const points = await t.points('http.client.request.duration');
      const summary = points
        .map((p) => {
          const a = p.attributes;
          return `${a['http.request.method']} ${a['server.address']}:${a['server.port'] === port ? 'P' : a['server.port'] === deadPort ? 'DEAD' : a['server.port']} ${a['http.response.status_code'] ?? '-'} ${a['error.type'] ?? '-'} ${(p.value as { count: number }).count}`;
        })
        .sort();
      expect(summary).toEqual([
        'GET 127.0.0.1:DEAD - ECONNREFUSED 1',
        'GET 127.0.0.1:P 200 - 2',
        'POST 127.0.0.1:P 404 404 1',
      ]);
      expect(JSON.stringify(points)).not.toMatch(/orders|legacy|token/);
    } finally {
      stop();
      await t.provider.shutdown();
    }
  });
});
