import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Compiles the package (`tsc -p tsconfig.build.json`) when `file` of its dist/ is missing: tests of the compiled
 * entry points (the CLI, what the CLI imports) can run before the package build. Returns the file's path.
 */
export async function compiled(file: string): Promise<string> {
  const path = fileURLToPath(new URL(`../../dist/${file}`, import.meta.url));
  if (!existsSync(path)) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
  }
  return path;
}
