import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Collector, type Span, startCollector } from '@otelkit/collector';

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** The in-process collector on free ports. */
export function startTestCollector(): Promise<Collector> {
  return startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** All spans the collector holds, across traces. */
export function allSpans(collector: Collector): Span[] {
  const out: Span[] = [];
  for (const t of collector.query.listTraces({ limit: 1000 })) {
    out.push(...(collector.query.getTrace(t.traceId)?.spans ?? []));
  }
  return out;
}

/** A service running in a child process that prints `{"port":N}` once it listens. */
export interface ChildService {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnService(file: string, env: Record<string, string>, args: string[] = []): Promise<ChildService> {
  const child = spawn(process.execPath, [...args, file], {
    env: { ...process.env, OTEL_BSP_SCHEDULE_DELAY: '100', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start:\n${out}`)), 20_000);
    const onData = () => {
      const m = /\{"port":(\d+)\}/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      const port = Number(m[1]);
      resolve({ child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited });
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

export function stopService(service: ChildService | undefined): Promise<unknown> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return Promise.resolve();
  service.child.kill('SIGKILL');
  return service.exited;
}

/** Runs `fn` with `env` set in `process.env`, then puts every variable back as it was. */
export function withEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
