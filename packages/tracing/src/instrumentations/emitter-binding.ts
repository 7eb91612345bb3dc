import { AsyncResource } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';

type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener };
type Adder = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

const kResource = Symbol('otelkit.emitter-binding.resource');
const ADDERS = ['on', 'addListener', 'prependListener'] as const;

interface BoundEmitter extends EventEmitter {
  [kResource]: AsyncResource;
}

function wrap(resource: AsyncResource, listener: Listener): Listener {
  const wrapped: Listener = function (this: unknown, ...args: unknown[]) {
    return resource.runInAsyncScope(listener, this, ...args);
  };
  wrapped.listener = listener;
  return wrapped;
}

// One shared replacement per method (not closures per request): the resource lives on the emitter and the original
// method is the prototype's.
const BOUND = Object.fromEntries(
  ADDERS.map((name) => [
    name,
    function bound(this: BoundEmitter, event: string | symbol, listener: Listener): EventEmitter {
      const original = (Object.getPrototypeOf(this) as Record<string, Adder>)[name] as Adder;
      if (typeof listener !== 'function') return original.call(this, event, listener);
      return original.call(this, event, wrap(this[kResource], listener));
    },
  ]),
) as Record<(typeof ADDERS)[number], Adder>;

/**
 * Makes every listener later added to `emitters` run in the async context current now — the active span and core's
 * correlation context alike, because an `AsyncResource` restores every `AsyncLocalStorage` at once. Without it, a
 * body parser's `data`/`end` listeners run in the socket's context and a handler behind it loses its trace.
 * The wrapper carries `.listener` (as Node's own `once` wrappers do), so `removeListener(original)` still works.
 */
export function bindEmitters(...emitters: EventEmitter[]): void {
  const resource = new AsyncResource('otelkit.http.request');
  for (const emitter of emitters) {
    const e = emitter as BoundEmitter;
    if (e[kResource] !== undefined) continue;
    e[kResource] = resource;
    const slots = e as unknown as Record<string, Adder>;
    for (const name of ADDERS) slots[name] = BOUND[name];
  }
}
