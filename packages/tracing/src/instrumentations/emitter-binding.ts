import type { EventEmitter } from 'node:events';
import type { Context } from '@opentelemetry/api';
import { contextApi } from '../context/api.js';

type Listener = ((...args: unknown[]) => unknown) & { listener?: Listener };
type Adder = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;

const kContext = Symbol('otelkit.emitter-binding.context');
const ADDERS = ['on', 'addListener', 'prependListener'] as const;

interface BindableEmitter {
  [kContext]?: Context;
}

/** Runs `listener` in `ctx`, with the emitter as `this` (bound to both in {@link wrap}). */
function runIn(this: EventEmitter, ctx: Context, listener: Listener, ...args: unknown[]): unknown {
  return contextApi.with(ctx, listener, this, ...args);
}

// A bound function rather than a closure made here: it stays cheap whatever the bundler does with function names
// (esbuild's keepNames, used before, redefined `.name` on every closure made, which was 3% of an unsampled server's
// CPU). Node's own listeners go through here on every request (`clearIncoming` on the request's 'end').
function wrap(emitter: EventEmitter, ctx: Context, listener: Listener): Listener {
  const wrapped = runIn.bind(emitter, ctx, listener) as Listener;
  wrapped.listener = listener;
  return wrapped;
}

/**
 * Makes the listener-adding methods of `proto` (`on`, `addListener`, `prependListener`; `once` goes through `on`)
 * run every listener added to a {@link bindEmitter bound} instance in that instance's context. Unbound instances pass
 * straight through. Patching the prototype once — rather than three methods on every request and response, as
 * `context.bind` does — keeps the per-request cost to one property. The wrapper carries `.listener` (as Node's own
 * `once` wrappers do), so `removeListener(original)` and `listeners()` still see the original. Returns the undo.
 */
export function patchListenerAdders(proto: object): () => void {
  const slots = proto as Record<string, Adder | undefined>;
  const undo: (() => void)[] = [];
  for (const name of ADDERS) {
    const original = slots[name];
    if (typeof original !== 'function') continue;
    const own = Object.hasOwn(proto, name);
    const patched: Adder = function (this: EventEmitter, event, listener) {
      const ctx = (this as BindableEmitter)[kContext];
      if (ctx === undefined || typeof listener !== 'function') return original.call(this, event, listener);
      return original.call(this, event, wrap(this, ctx, listener));
    };
    slots[name] = patched;
    undo.push(() => {
      if (slots[name] !== patched) return; // patched again by someone else since: leave their chain alone
      if (own) slots[name] = original;
      else delete slots[name];
    });
  }
  return () => {
    for (const u of undo) u();
  };
}

/**
 * Makes every listener later added to `emitter` run in `ctx` (on a prototype patched by {@link patchListenerAdders}).
 * Without it, a body parser's `data`/`end` listeners run in the socket's context and a handler behind it loses its
 * trace and correlation id (core's context rides in the OpenTelemetry context).
 */
export function bindEmitter(emitter: EventEmitter, ctx: Context): void {
  (emitter as BindableEmitter)[kContext] = ctx;
}
