import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entryPoints, publishablePackages } from './workspace.js';

// A CommonJS application on Node 20.19+ must be able to require() every entry point of every package, from the
// built output, resolved through node_modules exactly as an installed dependency would be.
const packages = publishablePackages();
const consumer = mkdtempSync(join(tmpdir(), 'otelkit-cjs-'));
mkdirSync(join(consumer, 'node_modules', '@otelkit'), { recursive: true });
for (const pkg of packages) symlinkSync(pkg.dir, join(consumer, 'node_modules', ...pkg.name.split('/')), 'dir');

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

describe('CommonJS consumers', () => {
  it('finds the packages to check', () => {
    expect(packages.map((p) => p.name)).toContain('@otelkit/core');
  });

  for (const pkg of packages) {
    for (const entry of entryPoints(pkg)) {
      if (entry.endsWith('/register')) continue; // side-effect entry, exercised by its own tests
      it(`require('${entry}') returns its named exports`, () => {
        const script = join(consumer, `${entry.replace(/[@/]/g, '_')}.cjs`);
        writeFileSync(
          script,
          `const m = require(${JSON.stringify(entry)});\nconst keys = Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule');\nif (keys.length === 0) throw new Error('no exports');\nprocess.stdout.write(JSON.stringify(keys));\n`,
        );
        const run = spawnSync(process.execPath, [script], { cwd: consumer, encoding: 'utf8' });
        expect(run.stderr.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, '')).toBe('');
        expect(run.status).toBe(0);
        expect(JSON.parse(run.stdout).length).toBeGreaterThan(0);
      });
    }
  }

  it('core works from CommonJS: redaction and fingerprint', () => {
    const script = join(consumer, 'core-use.cjs');
    writeFileSync(
      script,
      `const { redact, serializeError } = require('@otelkit/core');
const out = redact({ password: 'hunter2', note: 'token=abc123' });
const err = serializeError(new TypeError('boom'));
process.stdout.write(JSON.stringify({ out, type: err.type, fp: err.fingerprint }));\n`,
    );
    const run = spawnSync(process.execPath, [script], { cwd: consumer, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.out).toEqual({ password: '[REDACTED]', note: 'token=[REDACTED]' });
    expect(result.type).toBe('TypeError');
    expect(result.fp).toMatch(/^[0-9a-f]{16}$/);
  });
});
