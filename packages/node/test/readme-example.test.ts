import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Collector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, packageDir, run, spansOf, startTestCollector } from './support/harness.js';
import { createProjects } from './support/projects.js';

const examples = ['readme.mjs', 'readme.cjs'] as const;
const source = (name: string) => readFileSync(join(packageDir, 'examples', name), 'utf8').trimEnd();

let collector: Collector;
const projects = createProjects();
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(async () => {
  await collector?.stop();
  projects.remove();
});

describe('README example', () => {
  it('is examples/readme.mjs, word for word, in at most 10 lines; readme.cjs is the same program with require', () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    const esm = source('readme.mjs');
    expect(readme).toContain(`\`\`\`js\n${esm}\n\`\`\``);
    expect(esm.split('\n').length).toBeLessThanOrEqual(10);
    const asCjs = esm
      .replace("import { createServer } from 'node:http';", "const { createServer } = require('node:http');")
      .replace("import { start } from '@otelkit/node';", "const { start } = require('@otelkit/node');");
    expect(source('readme.cjs')).toBe(asCjs);
  });

  it('documents the one-line usage and every variable the package reads itself', () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    expect(readme).toContain('node --import @otelkit/node/register app.js');
    expect(readme).toContain('`OTELKIT_CONSOLE_CAPTURE`');
  });

  for (const example of examples) {
    it(`${example}: starts all four packages; the request reaches the collector as a trace, a log line and metrics`, async () => {
      const service = `readme-${example.replace('.', '-')}`;
      const child = run([join('examples', example)], {
        OTEL_SERVICE_NAME: service,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
        OTELKIT_LOGS_EXPORTER: 'otlp',
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_METRIC_EXPORT_INTERVAL: '60000',
      });
      expect(await child.exited, child.stderr()).toEqual({ code: 0, signal: null });
      expect(child.stderr()).toBe('');
      expect(child.stdout()).toContain('started: logging, errors, tracing, metrics\n');
      const [line] = jsonLines(child.stdout());
      expect(line).toMatchObject({
        level: 'INFO',
        message: 'GET /health 200',
        service,
        request: { method: 'GET', path: '/health', status_code: 200 },
      });
      // shutdown() flushed everything before the process ended.
      const server = spansOf(collector, service).find((s) => s.kind === 'server');
      expect(server?.traceId).toBe(line?.trace_id);
      expect(collector.query.searchLogs({ service }).map((l) => l.message)).toEqual(['GET /health 200']);
      expect(collector.query.red({ service, source: 'metrics' }).red.map((r) => r.count)).toEqual([1]);
    });

    it(`${example}: runs and exits 0 where only @otelkit/node and @otelkit/core are installed`, async () => {
      const dir = projects.create(`readme-${example.replace('.', '-')}`, []);
      copyFileSync(join(packageDir, 'examples', example), join(dir, example));
      const child = run([example], { OTEL_SERVICE_NAME: 'standalone-example' }, dir);
      expect(await child.exited, child.stderr()).toEqual({ code: 0, signal: null });
      expect(child.stdout()).toBe('started: nothing\n');
      expect(child.stderr()).toBe('');
    });
  }
});
