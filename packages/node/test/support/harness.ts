import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Collector, type Span, startCollector } from '@otelkit/collector';

/** packages/node: the working directory from which `--import @otelkit/node/register` resolves (self-reference). */
export const packageDir = fileURLToPath(new URL('../..', import.meta.url));

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** The in-process collector on free ports. */
export function startTestCollector(): Promise<Collector> {
  return startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every span the collector holds for `service`, across traces. */
export function spansOf(collector: Collector, service: string): Span[] {
  const out: Span[] = [];
  for (const t of collector.query.listTraces({ limit: 1000 })) {
    for (const span of collector.query.getTrace(t.traceId)?.spans ?? []) if (span.service === service) out.push(span);
  }
  return out;
}

/** The downstream service the apps call with fetch: plain node:http, untraced, remembering each `traceparent`. */
export interface Downstream {
  url: string;
  traceparents: string[];
  close(): Promise<void>;
}

export async function startDownstream(): Promise<Downstream> {
  const traceparents: string[] = [];
  const server: Server = createServer((req, res) => {
    const tp = req.headers.traceparent;
    if (typeof tp === 'string') traceparents.push(tp);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ available: 7 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    traceparents,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process started by the tests, with its output so far. */
export interface ChildRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exit>;
}

/**
 * Runs `node [...args]` in `cwd` with the test's environment plus `env`; output is collected. As for a deployed
 * service: NODE_ENV is `production` unless `env` says otherwise (vitest's `test` changes what Express does), and
 * modules resolve from node_modules only (the NODE_PATH that `npx` sets would find every package of the workspace).
 */
export function run(args: string[], env: Record<string, string>, cwd = packageDir): ChildRun {
  const { NODE_PATH: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...inherited, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** An app under `--import @otelkit/node/register` once it printed `listening on <port>`. */
export interface App extends ChildRun {
  url: string;
}

/** Starts `file` as an unmodified app under `node --import @otelkit/node/register` and waits until it listens. */
export async function startApp(file: string, env: Record<string, string>, cwd = packageDir): Promise<App> {
  const started = run(['--import', '@otelkit/node/register', file], env, cwd);
  let exit: Exit | undefined;
  void started.exited.then((e) => {
    exit = e;
  });
  const port = await waitFor(() => {
    if (exit)
      throw new Error(`${file} exited (${exit.code ?? exit.signal}):\n${started.stdout()}\n${started.stderr()}`);
    return /listening on (\d+)/.exec(started.stdout())?.[1];
  }, `${file} to listen`);
  return { ...started, url: `http://127.0.0.1:${port}` };
}

/** Ends a child the test started, if it is still running. */
export function kill(child: ChildRun | undefined): Promise<unknown> {
  if (!child || child.child.exitCode !== null || child.child.signalCode !== null) return Promise.resolve();
  child.child.kill('SIGKILL');
  return child.exited;
}

/** The JSON lines of an output (other lines skipped). */
export function jsonLines(output: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      /* not a record */
    }
  }
  return out;
}
