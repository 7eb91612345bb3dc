import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface WorkspacePackage {
  name: string;
  dir: string;
  manifest: {
    name: string;
    private?: boolean;
    exports?: Record<string, unknown>;
    bin?: Record<string, string>;
    [key: string]: unknown;
  };
}

/** The publishable workspace packages (packages/* and apps/* that are not private). */
export function publishablePackages(): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const group of ['packages', 'apps']) {
    let names: string[];
    try {
      names = readdirSync(join(repoRoot, group));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const dir = join(repoRoot, group, name);
      let manifest: WorkspacePackage['manifest'];
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (manifest.private) continue;
      out.push({ name: manifest.name, dir, manifest });
    }
  }
  return out;
}

/** Every importable entry of a package: `name` for `.`, `name/sub` for subpaths; JSON files and package.json excluded. */
export function entryPoints(pkg: WorkspacePackage): string[] {
  const exportsMap = pkg.manifest.exports ?? {};
  return Object.keys(exportsMap)
    .filter((k) => k !== './package.json' && !k.endsWith('.json') && !k.includes('*'))
    .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));
}
