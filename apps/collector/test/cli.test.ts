import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiled } from './support/compiled.js';
import { logsRequest, postJson } from './support/otlp-json.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');
const children: ChildProcess[] = [];
let dataDir: string;

beforeAll(async () => {
  // The CLI is the compiled entry point.
  await compiled('cli.js');
  dataDir = await mkdtemp(join(tmpdir(), 'otelkit-cli-'));
}, 180_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

function startCli(args: string[]): Promise<{ child: ChildProcess; lines: Record<string, string> }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('data dir')) {
        const lines = Object.fromEntries(
          out
            .split('\n')
            .map((l) => /^\s{2}(.+?)\s{2,}(\S+)/.exec(l))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => [m[1]!, m[2]!]),
        );
        resolve({ child, lines });
      }
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}: ${out}`)));
  });
}

describe('otelkit-collector', () => {
  it('starts on free ports, prints the bound addresses, serves the report and stops on SIGTERM', async () => {
    const { child, lines } = await startCli([
      '--grpc-port',
      '0',
      '--http-port',
      '0',
      '--ui-port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    expect(lines['OTLP/gRPC']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines['Sentry DSN']).toMatch(/^http:\/\/public@127\.0\.0\.1:\d+\/1$/);
    const ui = lines['UI + JSON API']!;
    const health = await fetch(new URL('/api/health', ui));
    expect(await health.json()).toEqual({ status: 'ok' });
    const otlpHttp = lines['OTLP/HTTP']!.replace('/v1/{traces,metrics,logs}', '');
    expect(
      await postJson(
        otlpHttp,
        '/v1/logs',
        logsRequest([
          {
            service: 'cli-svc',
            timeMs: Date.now(),
            severityNumber: 17,
            message: 'disk full',
            attributes: { 'otelkit.error.fingerprint': 'disk-full', 'otelkit.error.category': 'runtime' },
          },
        ]),
      ),
    ).toBe(200);

    const report = await run(process.execPath, [cli, 'report', '--url', ui]);
    expect(report.stdout).toContain('`disk-full`');
    const json = await run(process.execPath, [cli, 'report', '--url', ui, '--format', 'json']);
    expect(JSON.parse(json.stdout).topErrors[0].fingerprint).toBe('disk-full');

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const offline = await run(process.execPath, [cli, 'report', '--data-dir', dataDir, '--format', 'json']);
    expect(JSON.parse(offline.stdout).topErrors[0]).toMatchObject({ fingerprint: 'disk-full', category: 'runtime' });
  });

  it('refuses a bad flag value with exit code 2 and a message naming the flag', async () => {
    const failed = await run(process.execPath, [cli, '--grpc-port', 'abc']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/--grpc-port "abc" is not a port/);
    const unknown = await run(process.execPath, [cli, 'report', '--url', 'http://127.0.0.1:9']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(unknown).toMatchObject({ code: 2 });
    expect((unknown as { stderr: string }).stderr).toMatch(/cannot reach a collector/);
  });
});
