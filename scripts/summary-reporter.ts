import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line `N passed, N failed, N skipped` over every project of the run, and writes the same
 * totals to `test-results/summary.json` so that `.ci/run` can repeat them as its last line. A test file that fails
 * to load counts as one failure: a broken import must never look like a green run.
 */
export class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let counted = 0;
      for (const test of mod.children.allTests()) {
        counted++;
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (counted === 0 || mod.state() === 'failed') {
        if (mod.errors().length > 0) failed++;
      }
    }
    failed += unhandledErrors.length;
    const line = `${passed} passed, ${failed} failed, ${skipped} skipped`;
    mkdirSync('test-results', { recursive: true });
    writeFileSync(join('test-results', 'summary.json'), JSON.stringify({ passed, failed, skipped, line }));
    process.stdout.write(`\n${line}\n`);
  }
}
