import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as source from '../src/index.js';

// The published package is one CommonJS bundle (dist/index.cjs) with an ES module face (dist/index.js) that re-exports
// it. These scenarios run the built package in child processes, resolved by its own name as an app would.
const fixtures = fileURLToPath(new URL('./fixtures/one-instance/', import.meta.url));

function run(file: string, args: string[] = []): Record<string, unknown> {
  const child = spawnSync(process.execPath, [...args, file], { cwd: fixtures, encoding: 'utf8' });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout);
}

describe('one instance of @otelkit/core whether it is imported or required', () => {
  for (const scenario of ['import-first.mjs', 'require-first.cjs']) {
    describe(scenario, () => {
      let result: Record<string, unknown> = {};
      beforeAll(() => {
        result = run(scenario);
      });

      it('exports exactly the value exports of src/index.ts, through import and through require', () => {
        const expected = Object.keys(source).sort();
        expect(result.importNames).toEqual(expected);
        expect(result.requireNames).toEqual(expected);
      });

      it('gives the same functions and objects to both', () => {
        expect(result.notIdentical).toEqual([]);
      });

      it('shares the correlation context both ways', () => {
        expect(result.contextFromImportSeenByRequire).toEqual({ correlationId: 'set-by-import' });
        expect(result.contextFromRequireSeenByImport).toEqual({ correlationId: 'set-by-require' });
        expect(result.updateThroughRequireSeenByImport).toEqual({ correlationId: 'c-1', userId: 'user-1' });
      });

      it('shares the warn-once registry', () => {
        expect(result.warningsForOneKey).toBe(1);
      });
    });
  }

  it('maps stack frames inside the bundle to the TypeScript sources (--enable-source-maps)', () => {
    const result = run('config-error.cjs', ['--enable-source-maps']);
    expect(result.name).toBe('ConfigError');
    expect(result.stack).toMatch(/at loadConfig \(.*src\/config\/load-config\.ts:\d+:\d+\)/);
  });
});
