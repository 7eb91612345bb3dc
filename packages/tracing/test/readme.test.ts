import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Collector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version.js';
import { allSpans, startTestCollector } from './support/harness.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('README', () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startTestCollector();
  });
  afterAll(async () => {
    await collector?.stop();
  });

  it('shows examples/readme.mjs verbatim', () => {
    const readme = read('../README.md');
    const block = /<!-- example -->\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(read('../examples/readme.mjs'));
  });

  it('runs the example: the span reaches the collector and the ids printed are its ids', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [new URL('../examples/readme.mjs', import.meta.url).pathname],
      {
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
          OTEL_SERVICE_NAME: 'readme-example',
        },
      },
    );
    expect(stdout).toMatch(/ok: true/);
    const traceId = /traceId: '([0-9a-f]{32})'/.exec(stdout)?.[1];
    const span = allSpans(collector).find((s) => s.name === 'charge card');
    expect(span?.service).toBe('readme-example');
    expect(span?.traceId).toBe(traceId);
    expect(span?.attributes).toMatchObject({ 'payment.amount': 149.99, 'payment.currency': 'USD' });
  });

  it('keeps the instrumentation scope version in step with package.json', () => {
    const pkg = JSON.parse(read('../package.json')) as { name: string; version: string };
    expect([PACKAGE_NAME, PACKAGE_VERSION]).toEqual([pkg.name, pkg.version]);
  });
});
