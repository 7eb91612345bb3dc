import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EnvelopeServer, startEnvelopeServer } from './support/envelope-server.js';
import type { Parsed } from './support/parsed.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a fixture in its own Node process, as a service would run. */
function run(fixture: string, env: Record<string, string>, execArgv: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, `test/fixtures/${fixture}`], {
      cwd: root,
      env: { ...process.env, OTEL_SERVICE_NAME: 'fatal-fixture', ...env },
    });
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

const records = (stdout: string): Parsed[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{"timestamp"'))
    .map((l) => JSON.parse(l));

describe('process-level capture, in child processes (ESM and CommonJS)', () => {
  let server: EnvelopeServer;

  beforeAll(async () => {
    if (!existsSync(`${root}dist/index.js`))
      throw new Error('build @otelkit/errors first: pnpm --filter @otelkit/errors build');
    server = await startEnvelopeServer();
  });
  beforeEach(() => {
    server.envelopes.length = 0;
    server.behave({ kind: 'ok' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('an uncaught exception is captured, flushed to Sentry and the span exporter, and still exits with code 1', async () => {
    const result = await run('fatal.mjs', { DSN: server.dsn, SCENARIO: 'uncaught' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('boom in a timer');
    expect(result.stdout).not.toContain('still running');

    const [event] = server.events() as Parsed[];
    expect(event.level).toBe('fatal');
    expect(event.exception.values[0]).toMatchObject({
      value: 'boom in a timer',
      mechanism: { type: 'onuncaughtexception', handled: false },
    });
    const [record] = records(result.stdout);
    expect(record).toMatchObject({ level: 'FATAL', service: 'fatal-fixture', error: { message: 'boom in a timer' } });
    expect(record.error.fingerprint).toBe(event.fingerprint[0]);
    expect(record.trace_id).toBe(event.contexts.trace.trace_id);
    expect(result.stdout).toContain('"exportedSpans":["startup"]');
  });

  it('the same from CommonJS (require of the ESM package)', async () => {
    const result = await run('fatal.cjs', { DSN: server.dsn });
    expect(result.code).toBe(1);
    expect((server.events()[0] as Parsed).exception.values[0]).toMatchObject({
      type: 'TypeError',
      value: 'boom from CommonJS',
    });
  });

  it('without a DSN: the FATAL record on stdout and exit code 1', async () => {
    const result = await run('fatal.mjs', { DSN: '', SCENARIO: 'uncaught' });
    expect(result.code).toBe(1);
    expect(records(result.stdout)[0]).toMatchObject({
      level: 'FATAL',
      error: { type: 'Error', message: 'boom in a timer' },
    });
    expect(server.events()).toHaveLength(0);
  });

  it("an unhandled rejection ends the process as Node's default mode does, after the flush", async () => {
    const result = await run('fatal.mjs', { DSN: server.dsn, SCENARIO: 'rejection' });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('still running');
    expect((server.events()[0] as Parsed).exception.values[0].mechanism).toEqual({
      type: 'onunhandledrejection',
      handled: false,
    });
  });

  it('with --unhandled-rejections=warn the rejection is captured and the process goes on', async () => {
    const result = await run('fatal.mjs', { DSN: server.dsn, SCENARIO: 'rejection' }, ['--unhandled-rejections=warn']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('still running');
    expect(records(result.stdout)[0]).toMatchObject({ level: 'ERROR', error: { message: 'rejected and forgotten' } });
    expect(server.events()).toHaveLength(1);
  });

  it('the flush is bounded: a hanging endpoint does not keep a dying process alive', async () => {
    server.behave({ kind: 'hang' });
    const result = await run('fatal.mjs', { DSN: server.dsn, SCENARIO: 'uncaught', FLUSH_MS: '300' });
    expect(result.code).toBe(1);
    expect(server.requests).toBeGreaterThan(0);
  });
});
