import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('README example', () => {
  it('is the code of examples/readme.mjs', () => {
    const readme = readFileSync(`${dir}README.md`, 'utf8');
    const example = readFileSync(`${dir}examples/readme.mjs`, 'utf8').trimEnd();
    expect(readme).toContain(`\`\`\`js\n${example}\n\`\`\``);
  });

  for (const file of ['readme.mjs', 'readme.cjs']) {
    it(`examples/${file} starts a collector, ingests an OTLP/JSON span and finds its failing trace`, () => {
      const run = spawnSync(process.execPath, [`examples/${file}`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('4bf92f3577b34da6a3ce929d0e0e4736 GET /health');
    });
  }
});
