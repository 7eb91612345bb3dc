import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publishablePackages, repoRoot } from './workspace.js';

// `pnpm version-packages` (changeset version) on a copy of the workspace manifests: versions, per-package changelogs
// and internal dependency ranges move together.
const work = mkdtempSync(join(tmpdir(), 'otelkit-changesets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('changesets', () => {
  it('versions a core change and bumps its dependents with changelogs', () => {
    for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json']) {
      mkdirSync(join(work, file, '..'), { recursive: true });
      copyFileSync(join(repoRoot, file), join(work, file));
    }
    const packages = publishablePackages();
    for (const pkg of packages) {
      const rel = relative(repoRoot, pkg.dir);
      mkdirSync(join(work, rel), { recursive: true });
      copyFileSync(join(pkg.dir, 'package.json'), join(work, rel, 'package.json'));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'), 'dir');
    writeFileSync(
      join(work, '.changeset', 'core-minor.md'),
      '---\n"@otelkit/core": minor\n---\n\nRedactor: new `maxStringLength` option.\n',
    );
    const run = spawnSync(join(repoRoot, 'node_modules/.bin/changeset'), ['version'], { cwd: work, encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);

    const core = JSON.parse(readFileSync(join(work, 'packages/core/package.json'), 'utf8'));
    const before = JSON.parse(readFileSync(join(repoRoot, 'packages/core/package.json'), 'utf8'));
    expect(core.version).not.toBe(before.version);
    const changelog = readFileSync(join(work, 'packages/core/CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('maxStringLength');
    expect(changelog).toContain(`## ${core.version}`);

    // every package that depends on core gets a patch release that records the new core version
    for (const pkg of packages) {
      if (pkg.name === '@otelkit/core') continue;
      const deps = { ...(pkg.manifest.dependencies as Record<string, string> | undefined) };
      if (!deps['@otelkit/core']) continue;
      const rel = relative(repoRoot, pkg.dir);
      const after = JSON.parse(readFileSync(join(work, rel, 'package.json'), 'utf8'));
      expect(after.version, pkg.name).not.toBe(pkg.manifest.version);
      expect(existsSync(join(work, rel, 'CHANGELOG.md'))).toBe(true);
      expect(readFileSync(join(work, rel, 'CHANGELOG.md'), 'utf8')).toContain(`@otelkit/core@${core.version}`);
    }
  });
});
