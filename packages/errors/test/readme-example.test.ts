import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnvelopeServer, startEnvelopeServer } from './support/envelope-server.js';
import type { Parsed } from './support/parsed.js';

const dir = fileURLToPath(new URL('..', import.meta.url));

function runExample(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/readme.mjs'], { cwd: dir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('README example', () => {
  let server: EnvelopeServer;
  beforeAll(async () => {
    if (!existsSync(`${dir}dist/index.js`)) throw new Error('build @otelkit/errors first');
    server = await startEnvelopeServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('is the same code as examples/readme.mjs', () => {
    const readme = readFileSync(`${dir}README.md`, 'utf8');
    const example = readFileSync(`${dir}examples/readme.mjs`, 'utf8').trimEnd();
    expect(readme).toContain(`\`\`\`js\n${example}\n\`\`\``);
    expect(example.split('\n').length).toBeLessThanOrEqual(10);
  });

  it('runs locally: one redacted ERROR record whose fingerprint is the one returned', async () => {
    const run = await runExample({ SENTRY_DSN: '' });
    expect(run.code).toBe(0);
    const record = JSON.parse(run.stdout.trim());
    const [fp, category, id] = run.stderr.trim().split(' ');
    expect(record).toMatchObject({
      level: 'ERROR',
      correlation_id: 'req-42',
      user: { id: 'user-12345' },
      context: { order_id: 'o-42' },
      error: { fingerprint: fp, category: 'integration', retryable: true, code: 'ECONNRESET' },
    });
    expect(category).toBe('integration');
    expect(id).toBe('local');
    expect(run.stdout).not.toContain('abc123');
  });

  it('runs with SENTRY_DSN: the same fingerprint reaches a real envelope endpoint', async () => {
    const run = await runExample({ SENTRY_DSN: server.dsn });
    expect(run.code).toBe(0);
    const [fp, , eventId] = run.stderr.trim().split(' ');
    const [event] = (await server.waitForEvents(1)) as Parsed[];
    expect(event.event_id).toBe(eventId);
    expect(event.fingerprint).toEqual([fp]);
    expect(event.tags).toMatchObject({ correlation_id: 'req-42', 'error.category': 'integration' });
    expect(event.user).toEqual({ id: 'user-12345' });
    expect(JSON.stringify(event)).not.toContain('abc123');
  });
});
