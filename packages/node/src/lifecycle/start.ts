import type { Server } from 'node:http';
import { warnOnce } from '@otelkit/core';
import type { OtelkitLogger } from '@otelkit/logging';
import type { InstrumentHttpServerOptions } from '@otelkit/metrics';
import { captureFastifyErrors } from '../errors/fastify-errors.js';
import { completionLog } from '../http/completion-log.js';
import { createRouteSource } from '../http/route-source.js';
import { observeServerRequests } from '../http/server-requests.js';
import { captureConsole } from '../logging/console-capture.js';
import { installExitHooks } from './exit-hooks.js';
import { installedPackages, loadPackage } from './installed-packages.js';
import type { OtelkitNode, SignalPackage, StartOptions } from './options.js';
import { resolveConfig } from './resolve-config.js';

/** One started package, as the lifecycle drives it. */
interface Started {
  name: SignalPackage;
  flush(timeoutMs: number): Promise<unknown>;
  shutdown(timeoutMs: number): Promise<unknown>;
}

const SLOT = Symbol.for('otelkit.node.v1');

interface Slot {
  running?: OtelkitNode;
}

function slot(): Slot {
  const holder = globalThis as unknown as Record<symbol, Slot | undefined>;
  let value = holder[SLOT];
  if (value === undefined) {
    value = {};
    Object.defineProperty(globalThis, SLOT, { value, enumerable: false, configurable: true, writable: false });
  }
  return value;
}

/** Resolves when `work` settles or the deadline passes, whichever is first; never rejects. */
function withDeadline(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

function flushLogger(logger: OtelkitLogger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** Every started package at once, each bounded by the deadline. */
function each(parts: readonly Started[], timeoutMs: number, what: 'flush' | 'shutdown'): Promise<void> {
  return Promise.all(
    parts.map((p) => {
      let work: Promise<unknown>;
      try {
        work = p[what](timeoutMs);
      } catch (error) {
        work = Promise.reject(error);
      }
      return withDeadline(work, timeoutMs);
    }),
  ).then(() => undefined);
}

function idle(): OtelkitNode {
  return { packages: [], forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
}

/**
 * Starts every installed otelkit signal package — `@otelkit/logging`, `@otelkit/errors`, `@otelkit/tracing`,
 * `@otelkit/metrics`, each an optional peer dependency — configured from the environment, and connects them to an
 * application that was not written for them: one completion line per HTTP request (logging), HTTP server RED metrics
 * for every server (metrics), error capture on every Fastify instance (errors), optional console capture, and one
 * flush on SIGTERM/SIGINT/`beforeExit` for all of them. Packages that are not installed are skipped silently.
 *
 * Invalid `OTEL_*`/`OTELKIT_*` variables or options throw one `ConfigError` here, and whatever had already started is
 * stopped again. `OTEL_SDK_DISABLED=true` starts nothing. Calling it again returns the running instance.
 * `node --import @otelkit/node/register` calls it for you before the application's first import.
 *
 * @example
 * ```ts
 * import { start } from '@otelkit/node';
 * const otelkit = start({ packages: (installed) => installed.filter((name) => name !== 'metrics') });
 * // … on the way out, when exit handlers are off:
 * await otelkit.shutdown();
 * ```
 */
export function start(options: StartOptions = {}): OtelkitNode {
  const s = slot();
  if (s.running) {
    warnOnce('node.start.again', '@otelkit/node was started again; the running instance is returned unchanged');
    return s.running;
  }
  const config = resolveConfig(options, installedPackages());
  if (config.env.sdkDisabled) return idle();

  const parts: Started[] = [];
  let logger: OtelkitLogger | undefined;
  let instrumentHttpServer: ((server: Server, o: InstrumentHttpServerOptions) => () => void) | undefined;
  let errorsStarted = false;
  try {
    for (const name of config.packages) {
      switch (name) {
        case 'logging': {
          const logging = loadPackage('logging');
          if (logging === undefined) break;
          const root = logging.createLogger();
          logger = root;
          parts.push({ name, flush: () => flushLogger(root), shutdown: (timeoutMs) => root.shutdown({ timeoutMs }) });
          break;
        }
        case 'errors': {
          const errors = loadPackage('errors');
          if (errors === undefined) break;
          const reporter = errors.initErrors();
          errorsStarted = true;
          parts.push({ name, flush: (t) => reporter.flush(t), shutdown: (t) => reporter.shutdown(t) });
          break;
        }
        case 'tracing': {
          const tracing = loadPackage('tracing');
          if (tracing === undefined) break;
          // Its own signal handlers off: the exit hooks below flush every package on one signal handler.
          const running = tracing.startTracing({ exitHandlers: false, shutdownTimeoutMs: config.shutdownTimeoutMs });
          parts.push({ name, flush: (t) => running.forceFlush(t), shutdown: (t) => running.shutdown(t) });
          break;
        }
        case 'metrics': {
          const metrics = loadPackage('metrics');
          if (metrics === undefined) break;
          const handle = metrics.startMetrics();
          instrumentHttpServer = metrics.instrumentHttpServer;
          parts.push({
            name,
            flush: (timeoutMs) => handle.forceFlush({ timeoutMs }),
            shutdown: (timeoutMs) => handle.shutdown({ timeoutMs }),
          });
          break;
        }
      }
    }
  } catch (error) {
    // Nothing half-started: what did start is stopped again before the ConfigError reaches the caller.
    void each(parts, 0, 'shutdown');
    throw error;
  }

  const stops: (() => void)[] = [];
  if (logger !== undefined || instrumentHttpServer !== undefined) {
    const routes = createRouteSource();
    stops.push(() => routes.stop());
    const record = instrumentHttpServer;
    stops.push(
      observeServerRequests(
        {
          onServer: record === undefined ? undefined : (server) => record(server, { route: routes.routeOf }),
          onComplete: logger === undefined ? undefined : completionLog(logger.child({ name: 'http' })),
        },
        routes,
      ),
    );
  }
  if (errorsStarted) stops.push(captureFastifyErrors());
  if (config.consoleCapture && logger !== undefined) stops.push(captureConsole(logger.child({ name: 'console' })));
  const timeoutOf = (timeoutMs: number | undefined): number => timeoutMs ?? config.shutdownTimeoutMs;
  const flush = (timeoutMs?: number): Promise<void> => each(parts, timeoutOf(timeoutMs), 'flush');
  if (config.exitHandlers && parts.length > 0) stops.push(installExitHooks(flush, config.shutdownTimeoutMs));

  let stopping: Promise<void> | undefined;
  const running: OtelkitNode = {
    packages: parts.map((p) => p.name),
    forceFlush: flush,
    shutdown(timeoutMs) {
      stopping ??= (() => {
        for (const stop of stops.splice(0).reverse()) {
          try {
            stop();
          } catch {
            /* best effort */
          }
        }
        if (slot().running === running) slot().running = undefined;
        return each([...parts].reverse(), timeoutOf(timeoutMs), 'shutdown');
      })();
      return stopping;
    },
  };
  s.running = running;
  return running;
}
