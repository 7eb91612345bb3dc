import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// scripts/bundle-package.mjs on small fixture packages: the bundle keeps every class and function name of the source
// (the build fails when esbuild would rename one), and its CommonJS exports are plain values.
const root = resolve(import.meta.dirname, '..');
const script = join(root, 'scripts', 'bundle-package.mjs');
// Inside a package that has esbuild and typescript, where the script resolves them; node_modules is not in git.
const fixtures = join(root, 'packages', 'tracing', 'node_modules', `.bundle-package-fixtures-${process.pid}`);

afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

let count = 0;
/** Bundles a package whose index re-exports `a` from a.ts and `b` from b.ts, the two sources given. */
function build(a: string, b: string): { status: number | null; output: string; dir: string } {
  const dir = join(fixtures, String(count++));
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.build.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', strict: true } }),
  );
  writeFileSync(join(dir, 'src', 'index.ts'), "export { a } from './a.js';\nexport { b } from './b.js';\n");
  writeFileSync(join(dir, 'src', 'a.ts'), a);
  writeFileSync(join(dir, 'src', 'b.ts'), b);
  const run = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr, dir };
}

describe('bundle-package', () => {
  it('fails when two modules declare a function of the same name (esbuild would rename one)', () => {
    const result = build(
      'export function helper(): number {\n  return 1;\n}\nexport const a = () => helper();\n',
      'function helper(): number {\n  return 2;\n}\nexport const b = () => helper();\n',
    );
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/esbuild renamed top-level helper2 of dist\/index\.cjs/);
  });

  it('fails for colliding classes and arrow functions bound to a name', () => {
    const classes = build(
      'class Writer {}\nexport const a = () => new Writer();\n',
      'class Writer {}\nexport const b = () => new Writer();\n',
    );
    expect(classes.status).toBe(1);
    expect(classes.output).toMatch(/renamed top-level Writer2/);
    const arrows = build(
      'const flush = (): number => 1;\nexport const a = () => flush();\n',
      'const flush = async (): Promise<number> => 2;\nexport const b = () => flush();\n',
    );
    expect(arrows.status).toBe(1);
    expect(arrows.output).toMatch(/renamed top-level flush2/);
  });

  it('builds distinct names, keeps them, and exports plain values (no getters)', () => {
    const result = build(
      'export class Alpha {}\nexport const a = () => new Alpha();\n',
      'function beta(): string {\n  return beta.name;\n}\nexport const b = () => beta();\n',
    );
    expect(result.output).not.toMatch(/bundle-package: .*renamed/);
    expect(result.status).toBe(0);
    const bundle = createRequire(join(result.dir, 'package.json'))('./dist/index.cjs') as {
      a: () => object;
      b: () => string;
      __esModule: boolean;
    };
    expect(bundle.a().constructor.name).toBe('Alpha');
    expect(bundle.b()).toBe('beta');
    const descriptor = Object.getOwnPropertyDescriptor(bundle, 'a');
    expect(descriptor).toMatchObject({ writable: true, enumerable: true });
    expect(descriptor?.get).toBeUndefined();
    expect(bundle.__esModule).toBe(true);
  });
});
