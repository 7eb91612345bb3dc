import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { compiled } from './support/compiled.js';

const run = promisify(execFile);
let moduleUrl: string;

beforeAll(async () => {
  // What the CLI imports is the compiled module.
  moduleUrl = pathToFileURL(await compiled('process-gc.js')).href;
}, 180_000);

/**
 * In a child process (the setting is process-wide): allocate 3 million small objects, keeping every tenth, so that
 * survivors accumulate, and print the young generation's size afterwards.
 */
async function youngGenerationBytes(tuned: boolean): Promise<number> {
  const script = `
    const { tuneCollectorProcessGc } = await import(${JSON.stringify(moduleUrl)});
    if (${tuned}) tuneCollectorProcessGc();
    const { getHeapSpaceStatistics } = await import('node:v8');
    const keep = [];
    for (let i = 0; i < 3e6; i++) { const o = { i, s: 'x' + i }; if (i % 10 === 0) keep.push(o); }
    console.log(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return Number(stdout.trim());
}

describe('the CLI’s GC setting (process-gc.ts)', () => {
  it('keeps the young generation at its initial size where V8 would grow it', async () => {
    const [tuned, untuned] = await Promise.all([youngGenerationBytes(true), youngGenerationBytes(false)]);
    expect(tuned).toBeGreaterThan(0);
    expect(tuned).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(untuned).toBeGreaterThanOrEqual(4 * tuned);
  }, 60_000);
});
