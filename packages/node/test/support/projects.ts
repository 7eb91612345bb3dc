import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fixture, packageDir } from './harness.js';

const repo = join(packageDir, '..', '..');

/**
 * Projects where only some otelkit packages are installed. Each is a real node_modules: @otelkit/node copied in as a
 * package (dist + package.json, so its optional peers resolve from the project, not from this repository), and the
 * packages the project "installed" linked in. The others are simply not there.
 */
export interface Projects {
  create(name: string, otelkit: string[], framework?: 'fastify' | 'express'): string;
  remove(): void;
}

export function createProjects(): Projects {
  const work = mkdtempSync(join(tmpdir(), 'otelkit-node-partial-'));
  return {
    create(name, otelkit, framework) {
      const dir = join(work, name);
      const modules = join(dir, 'node_modules');
      mkdirSync(join(modules, '@otelkit', 'node'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, version: '1.0.0' }));
      copyFileSync(join(packageDir, 'package.json'), join(modules, '@otelkit', 'node', 'package.json'));
      cpSync(join(packageDir, 'dist'), join(modules, '@otelkit', 'node', 'dist'), { recursive: true });
      const link = (target: string, at: string) => {
        mkdirSync(dirname(at), { recursive: true });
        symlinkSync(realpathSync(target), at, 'dir');
      };
      link(join(repo, 'packages', 'core'), join(modules, '@otelkit', 'core'));
      link(join(packageDir, 'node_modules', '@opentelemetry', 'api'), join(modules, '@opentelemetry', 'api'));
      for (const pkg of otelkit) link(join(repo, 'packages', pkg), join(modules, '@otelkit', pkg));
      if (framework !== undefined) {
        link(join(packageDir, 'node_modules', framework), join(modules, framework));
        const app = framework === 'fastify' ? 'app.cjs' : 'app.mjs';
        copyFileSync(fixture(framework === 'fastify' ? 'fastify-app.cjs' : 'express-app.mjs'), join(dir, app));
      }
      return dir;
    },
    remove() {
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The repository's packages/<name> directory. */
export const repoPackage = (name: string): string => join(repo, 'packages', name);
