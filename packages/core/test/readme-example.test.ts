import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('README example', () => {
  it('is the same code as examples/readme.mjs', () => {
    const readme = readFileSync(`${dir}README.md`, 'utf8');
    const example = readFileSync(`${dir}examples/readme.mjs`, 'utf8').trimEnd();
    expect(readme).toContain(`\`\`\`js\n${example}\n\`\`\``);
  });

  it('runs and prints a redacted, fingerprinted record', () => {
    const run = spawnSync(process.execPath, ['examples/readme.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const [json, same] = run.stdout.trim().split('\n');
    const record = JSON.parse(json as string);
    expect(record.correlation_id).toBe('req-42');
    expect(record.error.message).toBe('charge failed for user 42: token=[REDACTED]');
    expect(record.error.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(run.stdout).not.toContain('abc123');
    expect(same).toBe('true');
  });

  it('the demo example redacts every planted secret', () => {
    const run = spawnSync(process.execPath, ['examples/quickstart.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const record = JSON.parse(run.stdout);
    for (const secret of ['4111 1111 1111 1111', 'ann@example.com', 'hunter2', 'eyJhbGciOiJIUzI1NiJ9']) {
      expect(run.stdout).not.toContain(secret);
    }
    expect(record.context.headers.authorization).toBe('[REDACTED]');
    expect(record.error.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});
