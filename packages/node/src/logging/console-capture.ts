import { format } from 'node:util';
import type { OtelkitLogger } from '@otelkit/logging';

type Level = 'debug' | 'info' | 'warn' | 'error';
type ConsoleMethod = 'debug' | 'log' | 'info' | 'warn' | 'error';

const LEVELS: Record<ConsoleMethod, Level> = {
  debug: 'debug',
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
};

/** `name: message` for an Error argument (its stack goes on the record's `error`, not into the message). */
function argText(value: unknown, error: Error | undefined): unknown {
  if (value !== error || error === undefined) return value;
  return `${error.name}: ${error.message}`;
}

/**
 * Sends `console.debug/log/info/warn/error` through the logger: each call becomes one core-schema record (the first
 * Error argument as its `error`, the arguments formatted as `console` would as its `message`), stamped with the active
 * span and correlation id like any otelkit record, and exported over OTLP when log export is on. The record replaces
 * the plain-text line. A call made while the logger itself writes (an internal warning, say) goes to the original
 * method, so capture can never recurse. Returns what restores the original methods.
 */
export function captureConsole(logger: OtelkitLogger): () => void {
  const target = console as unknown as Record<ConsoleMethod, (...args: unknown[]) => void>;
  const restore: (() => void)[] = [];
  let writing = false;
  for (const method of Object.keys(LEVELS) as ConsoleMethod[]) {
    const original = target[method];
    const level = LEVELS[method];
    const captured = function capturedConsole(...args: unknown[]): void {
      if (writing) {
        original.apply(console, args);
        return;
      }
      writing = true;
      try {
        const error = args.find((a): a is Error => a instanceof Error);
        const message = format(...args.map((a) => argText(a, error)));
        if (error === undefined) logger[level](message);
        else logger[level](error, message);
      } catch {
        original.apply(console, args);
      } finally {
        writing = false;
      }
    };
    target[method] = captured;
    restore.push(() => {
      if (target[method] === captured) target[method] = original;
    });
  }
  return () => {
    for (const fn of restore.splice(0)) fn();
  };
}
