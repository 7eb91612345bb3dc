import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { type ChildMessage, isChildMessage } from '../services/child-protocol.js';

/** A clear start-up failure of the stack: a port in use, a crashed service, a bad setting. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

/** One service running as a child process. */
export interface ServiceProcess {
  readonly service: string;
  readonly port: number;
  readonly version: string;
  readonly child: ChildProcess;
  /** Asks the service to export everything buffered; resolves when it answered or after `timeoutMs`. */
  flush(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the process has exited. */
  stop(timeoutMs?: number): Promise<void>;
  /** Called if the process exits while it is not being stopped. */
  onUnexpectedExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Forks a service entry point with its environment, its stdout/stderr appended to `logFile`, and waits for its
 * `ready` message. A `fatal` message (port in use) or an exit before `ready` rejects with a {@link DemoError}.
 */
export async function startServiceProcess(options: {
  service: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  portFlag: string;
  startTimeoutMs?: number;
  /** Node flags for the child (`--cpu-prof`, say). */
  execArgv?: string[];
}): Promise<ServiceProcess> {
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = fork(options.entry, [], {
      env: options.env,
      stdio: ['ignore', fd, fd, 'ipc'],
      execArgv: options.execArgv ?? [],
      // Its own process group: a Ctrl-C in the terminal reaches the demo, which stops the services in order.
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  const flushWaiters: (() => void)[] = [];
  let stopping = false;
  let exited = false;
  const exitListeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve();
      if (!stopping) for (const l of exitListeners) l(code, signal);
    });
  });
  child.on('message', (message: unknown) => {
    if (isChildMessage(message) && message.type === 'flushed') for (const w of flushWaiters.splice(0)) w();
  });

  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new DemoError(`${options.service} did not start within ${options.startTimeoutMs ?? 60_000} ms`));
    }, options.startTimeoutMs ?? 60_000);
    const onMessage = (message: unknown) => {
      if (!isChildMessage(message) || message.service !== options.service) return;
      if (message.type === 'ready') {
        cleanup();
        resolve(message);
      } else if (message.type === 'fatal') {
        cleanup();
        reject(
          new DemoError(
            message.code === 'EADDRINUSE'
              ? `${options.service}: port ${message.port} is already in use — choose another with ${options.portFlag} <port> (0 picks a free one)`
              : `${options.service} failed to start: ${message.message}`,
          ),
        );
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      // A fatal message may still be on its way; give it a moment.
      setTimeout(() => {
        cleanup();
        reject(
          new DemoError(
            `${options.service} exited before it was ready (${signal ?? `code ${code}`}). Last lines of ${options.logFile}:\n${tail(options.logFile, 15)}`,
          ),
        );
      }, 200);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  }).catch(async (error: unknown) => {
    stopping = true;
    if (!exited) child.kill('SIGKILL');
    await exitPromise;
    throw error;
  });

  return {
    service: options.service,
    port: ready.port,
    version: ready.version,
    child,
    flush(timeoutMs = 5000) {
      if (exited || !child.connected) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        flushWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        try {
          child.send({ type: 'flush' });
        } catch {
          clearTimeout(timer);
          resolve();
        }
      });
    },
    async stop(timeoutMs = 12_000) {
      stopping = true;
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, timeoutMs);
      await exitPromise;
      clearTimeout(timer);
    },
    onUnexpectedExit(listener) {
      exitListeners.push(listener);
    },
  };
}
