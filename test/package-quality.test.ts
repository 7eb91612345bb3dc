import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishablePackages, repoRoot } from './workspace.js';

// publint (strict) and Are the Types Wrong for every publishable package, on the packed tarball. The packages are
// ESM that CommonJS loads through require(esm) (Node 20.19+), so attw runs with its esm-only profile.
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

describe('package quality', () => {
  for (const pkg of publishablePackages()) {
    it(`${pkg.name}: publint --strict is clean`, () => {
      const run = spawnSync(bin('publint'), ['--strict'], { cwd: pkg.dir, encoding: 'utf8' });
      expect(run.stdout + run.stderr).not.toMatch(/\b(Errors|Warnings|Suggestions):/);
      expect(run.status, run.stdout + run.stderr).toBe(0);
    });

    it(`${pkg.name}: attw --pack finds no type resolution problem`, () => {
      const run = spawnSync(bin('attw'), ['--pack', '.', '--profile', 'esm-only'], {
        cwd: pkg.dir,
        encoding: 'utf8',
      });
      // attw exits non-zero on any problem outside the ignored (CommonJS-resolution) columns.
      expect(run.status, run.stdout + run.stderr).toBe(0);
    });
  }
});
