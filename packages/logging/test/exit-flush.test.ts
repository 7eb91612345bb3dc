import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Collector, startCollector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaErrors } from './support/capture.js';

// The scenarios load the built package (`@otelkit/logging` resolves to dist/ through the exports map).
const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'otelkit-logging-exit-'));
let collector: Collector;

beforeAll(async () => {
  collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
});
afterAll(async () => {
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a scenario in a child process; asynchronously, so the in-process collector keeps answering meanwhile. */
function run(script: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(here, 'scenarios', script), ...args],
      {
        cwd: here,
        encoding: 'utf8',
        env: { ...process.env, OTEL_SERVICE_NAME: 'exit-scenario', OTELKIT_LOGS_EXPORTER: 'none' },
        timeout: 60_000,
      },
      (error, _stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ status: code, stderr });
      },
    );
  });
}

function linesOf(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('no line is lost at exit', () => {
  const cases = [
    ['exit-flush.mjs', 'exit', 'async', 0],
    ['exit-flush.mjs', 'natural', 'async', 0],
    ['exit-flush.mjs', 'throw', 'async', 1],
    ['exit-flush.mjs', 'exit', 'sync', 0],
    ['exit-flush.cjs', 'exit', 'async', 0],
    ['exit-flush.cjs', 'throw', 'async', 1],
  ] as const;
  it.each(cases)('%s: %s with an %s destination keeps all 10,000 lines', async (script, how, mode, expectedStatus) => {
    const file = join(dir, `${script}-${how}-${mode}.log`);
    const r = await run(script, [file, how, mode]);
    expect(r.status, r.stderr).toBe(expectedStatus);
    const records = linesOf(file);
    expect(records).toHaveLength(10_000);
    expect(records.map((x) => (x.context as { i: number }).i)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(schemaErrors(records[9_999])).toEqual([]);
  });

  it('exports what is queued for OTLP when the process ends on its own (beforeExit)', async () => {
    const file = join(dir, 'otlp-natural.log');
    const r = await run('exit-flush.mjs', [file, 'natural', 'async', '25', collector.otlpGrpcUrl]);
    expect(r.status, r.stderr).toBe(0);
    const found = collector.query.searchLogs({ service: 'exit-scenario', limit: 100 });
    expect(found).toHaveLength(25);
  });
});
