import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { metrics as api } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { defineMetrics, instrumentHttpServer, observePool, startMetrics } from '../src/index.js';
import { havePromtool, scrapeHandler } from './support.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const rulesDir = `${repo}deploy/prometheus/rules/`;
const rulesFile = `${rulesDir}otelkit.rules.yml`;
const rules = readFileSync(rulesFile, 'utf8');

interface RuleBlock {
  kind: 'alert' | 'record';
  name: string;
  text: string;
}

// The rule file is ours and regular: one `- alert:` / `- record:` item per rule.
const blocks: RuleBlock[] = rules
  .split(/\n\s+- (?=alert:|record:)/)
  .slice(1)
  .map((text) => {
    const m = /^(alert|record): (\S+)/.exec(text)!;
    return { kind: m[1] as 'alert' | 'record', name: m[2]!, text };
  });
const alerts = blocks.filter((b) => b.kind === 'alert');

function exprOf(block: RuleBlock): string {
  const text = block.text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line) && !/^\s*- name:/.test(line) && !/^\s*rules:/.test(line))
    .join('\n');
  const m = /expr: (\|\n)?([\s\S]*?)(?:\n\s+(?:for|labels|annotations):|$)/.exec(text);
  return m ? m[2]! : '';
}

const PROMQL_WORDS = new Set([
  'sum',
  'by',
  'rate',
  'and',
  'or',
  'unless',
  'max',
  'min',
  'histogram_quantile',
  'on',
  'ignoring',
  'group_left',
  'up',
]);

/** Metric names a rule reads from the scraped services (recording-rule names contain ':'). */
function scrapedNames(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|on|ignoring|without)\s*\([^)]*\)/g, '');
  const names = bare.match(/[a-zA-Z_][a-zA-Z0-9_:]*/g) ?? [];
  return names.filter((n) => !n.includes(':') && !PROMQL_WORDS.has(n));
}

describe('alert rules', () => {
  it('has the six alerts the metrics package promises', () => {
    expect(alerts.map((a) => a.name)).toEqual([
      'HttpErrorRatioHigh',
      'HttpLatencyP95High',
      'TargetDown',
      'DbPoolSaturated',
      'PaymentSuccessRatioLow',
      'EventLoopDelayHigh',
    ]);
  });

  for (const alert of alerts) {
    it(`${alert.name}: severity, summary, description and a written runbook`, () => {
      expect(alert.text).toMatch(/severity: (critical|warning)/);
      expect(alert.text).toMatch(/summary: "/);
      expect(alert.text).toMatch(/description: >-/);
      const url = /runbook_url: (\S+)/.exec(alert.text)?.[1];
      expect(url).toBe(`docs/runbooks/${alert.name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.md`);
      const runbook = `${repo}${url}`;
      expect(existsSync(runbook), runbook).toBe(true);
      const text = readFileSync(runbook, 'utf8');
      expect(text.startsWith(`# ${alert.name}\n`)).toBe(true);
      expect(text).toContain('## First five minutes');
      expect(text).toContain('## Mitigate');
    });
  }

  it('passes promtool check rules and its unit tests (firing and not firing for every alert)', () => {
    if (!havePromtool()) return;
    const check = spawnSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const test = spawnSync('promtool', ['test', 'rules', 'otelkit.rules.test.yml'], {
      cwd: rulesDir,
      encoding: 'utf8',
    });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain('SUCCESS');
    const tests = readFileSync(`${rulesDir}otelkit.rules.test.yml`, 'utf8');
    for (const alert of alerts) {
      // Each alert is evaluated at least twice: once expecting nothing, once expecting it to fire.
      const evaluations = tests.split(`alertname: ${alert.name}\n`).length - 1;
      expect(evaluations, alert.name).toBeGreaterThanOrEqual(2);
      expect(tests).toMatch(new RegExp(`alertname: ${alert.name}\\n\\s+exp_alerts: \\[\\]`));
      expect(tests).toMatch(new RegExp(`alertname: ${alert.name}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`));
    }
  });

  describe('queries only names the real exposition has', () => {
    let exposition = '';
    afterAll(() => api.disable());

    it('every scraped metric name in the rules appears in a scrape of @otelkit/metrics', async () => {
      const handle = startMetrics({ otlp: false, prometheus: true, httpClient: false });
      try {
        const business = defineMetrics({
          payments: { kind: 'counter', name: 'payments', unit: '{payment}', attributes: ['outcome'] },
        });
        business.payments.add(1, { outcome: 'success' });
        observePool('db', () => ({ used: 1, idle: 1, max: 2 }));
        const server = createServer((_req, res) => {
          res.statusCode = 500;
          res.end();
        });
        instrumentHttpServer(server, { route: () => '/x' });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`)).text();
        await new Promise((r) => server.close(r));
        await new Promise((r) => setTimeout(r, 150));
        exposition = await scrapeHandler(handle.prometheusHandler!);
      } finally {
        await handle.shutdown();
      }
      const names = [...new Set(blocks.flatMap((b) => scrapedNames(exprOf(b))))].sort();
      expect(names).toEqual([
        'db_client_connection_count',
        'db_client_connection_max',
        'http_server_request_duration_seconds_bucket',
        'http_server_request_duration_seconds_count',
        'nodejs_eventloop_delay_p99_seconds',
        'payments_total',
      ]);
      for (const name of names) expect(exposition, name).toMatch(new RegExp(`^${name}\\{`, 'm'));
      // The labels the rules select and group on are there too.
      for (const label of [
        'error_type="500"',
        'db_client_connection_state="used"',
        'db_client_connection_pool_name="db"',
        'outcome="success"',
      ]) {
        expect(exposition).toContain(label);
      }
    });
  });
});
