import { inspect } from 'node:util';
import { trace } from '@opentelemetry/api';
import type { CaptureContext } from '../capture/capture-types.js';

/** What the process handlers need from a reporter. */
export interface FatalCapture {
  capture(error: unknown, context: CaptureContext, mechanism: string): void;
  flush(timeoutMs: number): Promise<boolean>;
  flushTimeoutMs: number;
}

/**
 * Flushes the tracer provider registered with the OpenTelemetry API, if it can be flushed, so that the span carrying
 * the fatal exception event is exported before the exit. Found through the API: no tracing package is imported.
 */
async function flushTracerProvider(): Promise<void> {
  const proxy = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const provider = (typeof proxy.getDelegate === 'function' ? proxy.getDelegate() : proxy) as {
    forceFlush?: () => Promise<void>;
  };
  if (typeof provider?.forceFlush === 'function') await provider.forceFlush();
}

/** `--unhandled-rejections` modes (Node's default is `throw`). */
type RejectionMode = 'throw' | 'strict' | 'warn' | 'none' | 'warn-with-error-code';

const MODES: readonly RejectionMode[] = ['throw', 'strict', 'warn', 'none', 'warn-with-error-code'];

/** The `--unhandled-rejections` mode from the command line or `NODE_OPTIONS` (the last one given wins, as in Node). */
export function unhandledRejectionsMode(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): RejectionMode {
  let mode: RejectionMode = 'throw';
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--unhandled-rejections=(.+)$/.exec(arg);
    if (m && MODES.includes(m[1] as RejectionMode)) mode = m[1] as RejectionMode;
  }
  return mode;
}

/**
 * Captures `uncaughtException` and `unhandledRejection`, flushes within the deadline, and ends the process as Node
 * would have: exit code 1 after an uncaught exception, and after an unhandled rejection in the `throw` (default) and
 * `strict` modes unless someone else listens for `unhandledRejection`. In the `warn`, `none` and
 * `warn-with-error-code` modes a rejection is captured and the process goes on. Returns the uninstaller.
 */
export function installProcessHandlers(target: FatalCapture): () => void {
  let exiting = false;
  const fatal = (error: unknown, mechanism: string, heading: string): void => {
    if (exiting) return; // a second failure while flushing the first: the first exit wins
    exiting = true;
    try {
      target.capture(error, { handled: false, level: 'FATAL' }, mechanism);
    } catch {
      /* capture never throws; if it did, exiting matters more */
    }
    try {
      process.stderr.write(`${heading}${inspect(error)}\n\nNode.js ${process.version}\n`);
    } catch {
      /* stderr closed */
    }
    // Not unref'd: this timer is what keeps the process alive until the flush is done or given up.
    const deadline = setTimeout(() => process.exit(1), target.flushTimeoutMs + 250);
    Promise.allSettled([target.flush(target.flushTimeoutMs), flushTracerProvider()]).finally(() => {
      clearTimeout(deadline);
      process.exit(1);
    });
  };

  const onUncaughtException = (error: unknown, origin?: string): void => {
    fatal(error, origin === 'unhandledRejection' ? 'onunhandledrejection' : 'onuncaughtexception', 'Uncaught ');
  };
  const onUnhandledRejection = (reason: unknown): void => {
    const mode = unhandledRejectionsMode();
    const othersListen = process.listenerCount('unhandledRejection') > 1;
    if ((mode === 'throw' && !othersListen) || mode === 'strict') {
      fatal(reason, 'onunhandledrejection', 'Unhandled promise rejection: ');
      return;
    }
    try {
      target.capture(reason, { handled: false, level: 'ERROR' }, 'onunhandledrejection');
    } catch {
      /* never reaches the app */
    }
    if (mode === 'warn-with-error-code') process.exitCode = 1;
  };

  process.on('uncaughtException', onUncaughtException);
  process.on('unhandledRejection', onUnhandledRejection);
  return () => {
    process.off('uncaughtException', onUncaughtException);
    process.off('unhandledRejection', onUnhandledRejection);
  };
}
