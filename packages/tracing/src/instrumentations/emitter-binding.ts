import { AsyncResource } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';

type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener };

const ADDERS = ['on', 'addListener', 'prependListener'] as const;

/**
 * Makes every listener later added to `emitters` run in the async context current now — the active span and core's
 * correlation context alike, because an `AsyncResource` restores every `AsyncLocalStorage` at once. Without it, a
 * body parser's `data`/`end` listeners run in the socket's context and a handler behind it loses its trace.
 * The wrapper carries `.listener` (as Node's own `once` wrappers do), so `removeListener(original)` still works.
 */
export function bindEmitters(...emitters: EventEmitter[]): void {
  const resource = new AsyncResource('otelkit.http.request');
  for (const emitter of emitters) {
    for (const name of ADDERS) {
      const original = emitter[name] as (event: string | symbol, listener: Listener) => EventEmitter;
      (emitter as unknown as Record<string, unknown>)[name] = function bound(
        this: EventEmitter,
        event: string | symbol,
        listener: Listener,
      ) {
        if (typeof listener !== 'function') return original.call(this, event, listener);
        const wrapped: Listener = function (this: unknown, ...args: unknown[]) {
          return resource.runInAsyncScope(listener, this, ...args);
        };
        wrapped.listener = listener;
        return original.call(this, event, wrapped);
      };
    }
  }
}
