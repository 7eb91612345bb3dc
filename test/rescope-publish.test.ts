import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './workspace.js';

// A platform team's path end to end: copy the repository, re-scope it to @acme with a registry, build, run tests,
// publish every package to a real local registry (Verdaccio on 127.0.0.1), then install @acme/logging from that
// registry into a fresh project and run its README example.
const work = mkdtempSync(join(tmpdir(), 'otelkit-rescope-'));
const copy = join(work, 'repo');
let registry: ChildProcess | undefined;
let registryUrl = '';

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const run = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 480_000 });
  if (run.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up`);
}

beforeAll(async () => {
  // The tracked files (and untracked, not ignored ones) as they are in the work tree: what a fork would hold.
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    try {
      copyFileSync(join(repoRoot, file), join(copy, file));
    } catch {
      /* deleted in the work tree */
    }
  }

  const port = await freePort();
  registryUrl = `http://127.0.0.1:${port}/`;
  const storage = join(work, 'registry');
  mkdirSync(storage);
  writeFileSync(
    join(storage, 'config.yaml'),
    [
      `storage: ${join(storage, 'storage')}`,
      'auth:',
      `  htpasswd: { file: ${join(storage, 'htpasswd')}, max_users: 10 }`,
      'uplinks:',
      '  npmjs: { url: https://registry.npmjs.org/, timeout: 60s }',
      'packages:',
      "  '@acme/*': { access: $all, publish: $authenticated }",
      "  '**': { access: $all, proxy: npmjs }",
      'log: { type: stdout, format: pretty, level: error }',
      '',
    ].join('\n'),
  );
  registry = spawn(
    join(repoRoot, 'node_modules/.bin/verdaccio'),
    ['--config', join(storage, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(`${registryUrl}-/ping`, Date.now() + 60_000);
}, 120_000);

afterAll(() => {
  registry?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('pnpm rescope + publish to a private registry', () => {
  it('rewrites names, references, imports and the registry', () => {
    const out = sh('node', ['scripts/rescope.mjs', '--scope', '@acme', '--registry', registryUrl], copy);
    expect(out).toContain('@acme/core');
    const logging = JSON.parse(readFileSync(join(copy, 'packages/logging/package.json'), 'utf8'));
    expect(logging.name).toBe('@acme/logging');
    expect(logging.dependencies['@acme/core']).toBe('workspace:*');
    expect(logging.publishConfig.registry).toBe(registryUrl);
    expect(readFileSync(join(copy, 'packages/logging/README.md'), 'utf8')).not.toContain('@otelkit/');
    expect(readFileSync(join(copy, 'packages/logging/examples/readme.mjs'), 'utf8')).toContain("'@acme/logging'");
    // Symbol.for slots and env variables are not package names and stay as they are.
    expect(readFileSync(join(copy, 'packages/core/src/internal/global-slot.ts'), 'utf8')).toContain('otelkit.');
  });

  it('builds and passes the core and logging tests under the new scope', () => {
    sh('pnpm', ['install', '--prefer-offline', '--config.confirmModulesPurge=false'], copy, { CI: 'true' });
    sh('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@acme/core', '--filter=@acme/logging'], copy);
    const out = sh('pnpm', ['exec', 'vitest', 'run', '--project', 'core', '--project', 'logging'], copy);
    expect(out).toMatch(/\d+ passed, 0 failed/);
  }, 600_000);

  it('publishes every package and installs @acme/logging from the registry', async () => {
    const res = await fetch(`${registryUrl}-/user/org.couchdb.user:platform`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'platform', password: 'platform-pass-1', type: 'user', roles: [] }),
    });
    const { token } = (await res.json()) as { token: string };
    expect(token).toBeTruthy();
    const npmrc = join(work, '.npmrc');
    writeFileSync(npmrc, `//127.0.0.1:${new URL(registryUrl).port}/:_authToken=${token}\n`);
    const env = { npm_config_userconfig: npmrc };
    sh('pnpm', ['exec', 'turbo', 'run', 'build'], copy);
    sh('pnpm', ['-r', 'publish', '--no-git-checks', '--registry', registryUrl], copy, env);

    const published = (await (await fetch(`${registryUrl}@acme%2flogging`)).json()) as { name: string };
    expect(published.name).toBe('@acme/logging');

    const project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    sh('npm', ['install', '--no-audit', '--no-fund', '--registry', registryUrl, '@acme/logging'], project, env);
    cpSync(join(copy, 'packages/logging/examples/readme.mjs'), join(project, 'readme.mjs'));
    const out = sh('node', ['readme.mjs'], project);
    expect(out.length).toBeGreaterThan(0);
  }, 600_000);
});
