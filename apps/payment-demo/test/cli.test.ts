import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The demo's command line as a user runs it: the compiled CLI in a child process.

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const FREE_PORTS = ['--grpc-port', '0', '--http-port', '0', '--ui-port', '0', '--api-port', '0', '--gateway-port', '0'];
const children: ChildProcess[] = [];

function run(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, DATABASE_URL: '', CARD_GATEWAY_BREAKER_HALF_OPEN_MS: '1500' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, done };
}

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('pnpm demo (the CLI)', () => {
  it('runs the chosen scenarios, prints progress, the report and the UI URL, and writes the report JSON', async () => {
    const report = join(tmpdir(), `demo-report-${randomBytes(4).toString('hex')}.json`);
    try {
      const { done } = run(['--scenario', 'normal,bad-input', '--duration', '3', '--report', report, ...FREE_PORTS]);
      const { code, stdout, stderr } = await done;
      expect(code, stderr).toBe(0);
      expect(stdout).toContain('▶ normal (3 s)');
      expect(stdout).toContain('▶ bad-input (3 s)');
      expect(stdout).toMatch(/normal \d+\/3 s · .*201:\d+/);
      expect(stdout).toContain('# Incident report');
      expect(stdout).toMatch(/Collector UI: http:\/\/127\.0\.0\.1:\d+\//);
      const json = JSON.parse(readFileSync(report, 'utf8'));
      expect(json.summary.requests).toBeGreaterThan(0);
    } finally {
      rmSync(report, { force: true });
    }
  }, 180_000);

  it('stops on Ctrl-C with the telemetry flushed, and still prints the report', async () => {
    const report = join(tmpdir(), `demo-report-${randomBytes(4).toString('hex')}.json`);
    try {
      const { child, done } = run(['--scenario', 'normal', '--duration', '120', '--report', report, ...FREE_PORTS]);
      let seen = '';
      await new Promise<void>((resolve) => {
        child.stdout?.on('data', (d) => {
          seen += d;
          // Interrupt once answers are flowing.
          if (/normal \d+\/120 s · .*201:\d+/.test(seen)) resolve();
        });
      });
      child.kill('SIGINT');
      const { code, stdout } = await done;
      expect(code).toBe(130);
      expect(stdout).toContain('Interrupted: stopping the services');
      expect(stdout).toContain('# Incident report');
      // Everything the services had done reached the collector before it stopped.
      const json = JSON.parse(readFileSync(report, 'utf8'));
      expect(json.summary.requests).toBeGreaterThan(0);
    } finally {
      rmSync(report, { force: true });
    }
  }, 180_000);

  it('says which port is in use and which flag changes it', async () => {
    const taken = await occupy();
    try {
      const api = await run([
        '--scenario',
        'normal',
        '--duration',
        '1',
        ...FREE_PORTS,
        '--api-port',
        String(taken.port),
      ]).done;
      expect(api.code).toBe(1);
      expect(api.stderr).toContain(`payment-api: port ${taken.port} is already in use`);
      expect(api.stderr).toContain('--api-port');

      const ui = await run(['--scenario', 'normal', '--duration', '1', ...FREE_PORTS, '--ui-port', String(taken.port)])
        .done;
      expect(ui.code).toBe(1);
      expect(ui.stderr).toContain(`collector UI: port ${taken.port} is already in use`);
      expect(ui.stderr).toContain('--ui-port');
    } finally {
      taken.server.close();
    }
  }, 180_000);

  it('refuses unknown scenarios and bad numbers before starting anything', async () => {
    const bad = await run(['--scenario', 'normal,meteor-strike']).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown "meteor-strike"');
    expect(bad.stderr).toContain('gateway-outage');
    const port = await run(['--api-port', 'eighty']).done;
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--api-port "eighty"');
    expect(existsSync(CLI)).toBe(true);
  }, 60_000);
});
