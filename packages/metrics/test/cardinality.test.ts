import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { metrics as api } from '@opentelemetry/api';
import { ConfigError } from '@otelkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { defineMetrics, startMetrics } from '../src/index.js';
import { captureWarnings, scrapeHandler } from './support.js';

const child = fileURLToPath(new URL('./fixtures/cardinality-child.mjs', import.meta.url));

function run(mode: 'guarded' | 'sdk'): {
  series: number;
  overflowCount: number;
  growthBytes: number;
  warnings: number;
} {
  const r = spawnSync(process.execPath, ['--expose-gc', child, mode], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('cardinality guard', () => {
  it('holds 100k distinct attribute values to the series limit with bounded memory', () => {
    const guarded = run('guarded');
    expect(guarded.series).toBe(100);
    // 99 admitted series; every later distinct value lands in the overflow series.
    expect(guarded.overflowCount).toBe(100_000 - 99);
    expect(guarded.warnings).toBe(1);
    // 9 more rounds of 10k new values after the first collection: the heap must not grow with them.
    expect(guarded.growthBytes).toBeLessThan(4 * 1024 * 1024);
  }, 120_000);

  it('is needed: the SDK limit alone bounds one collection, not the cumulative series', () => {
    const bare = run('sdk');
    expect(bare.series).toBeGreaterThan(100);
  }, 120_000);
});

describe('refused attribute keys', () => {
  let warnings: ReturnType<typeof captureWarnings> | undefined;
  afterEach(async () => {
    warnings?.restore();
    api.disable();
  });

  it('drops sensitive and high-cardinality keys at record time with one warning per key', async () => {
    warnings = captureWarnings();
    const handle = startMetrics({ otlp: false, prometheus: true, runtime: false, httpClient: false });
    const counter = handle.meter.createCounter('logins', { unit: '{login}' });
    for (let i = 0; i < 50; i++) {
      counter.add(1, {
        outcome: 'ok',
        'user.id': `u-${i}`,
        'user.email': `u${i}@example.com`,
        'url.full': `https://x/y?i=${i}`,
        'http.target': `/y?i=${i}`,
        password: 'hunter2',
      });
    }
    const text = await scrapeHandler(handle.prometheusHandler!);
    await handle.shutdown();
    expect(text).toMatch(/logins_total\{outcome="ok",otel_scope_name="@otelkit\/metrics",[^}]*\} 50/);
    expect(text).not.toMatch(/u-1|example\.com|hunter2|i=1/);
    const refused = warnings.lines.filter((l) => l.includes('metrics.refused-attribute.logins'));
    expect(refused).toHaveLength(5);
    expect(refused.join('\n')).toContain('record http.route instead');
  });

  it('keeps a refused key the caller explicitly allowed', async () => {
    const handle = startMetrics({
      otlp: false,
      prometheus: true,
      runtime: false,
      httpClient: false,
      allowAttributeKeys: ['user.id'],
      registerGlobal: false,
    });
    const counter = handle.meter.createCounter('seats', { unit: '{seat}' });
    counter.add(1, { 'user.id': 'bounded-service-account' });
    const text = await scrapeHandler(handle.prometheusHandler!);
    await handle.shutdown();
    expect(text).toMatch(/seats_total\{user_id="bounded-service-account",/);
  });

  it('refuses them at definition with a ConfigError naming the field', () => {
    let error: unknown;
    try {
      defineMetrics({
        signups: { kind: 'counter', name: 'signups', unit: '{signup}', attributes: ['plan', 'user.email', 'url.path'] },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((p) => p.field);
    expect(fields).toEqual(['defineMetrics.signups.attributes[1]', 'defineMetrics.signups.attributes[2]']);
    expect((error as ConfigError).message).toContain('route template');
  });
});
