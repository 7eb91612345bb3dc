import { EventEmitter } from 'node:events';
import { context, createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindEmitter, patchListenerAdders } from '../src/instrumentations/emitter-binding.js';

// The listeners of a bound emitter run in its context, with the emitter as `this` and every argument, and stay
// removable by the function the caller added; an unbound emitter of the same prototype is left alone.

class Patched extends EventEmitter {}

const KEY = createContextKey('otelkit.test.emitter-binding');
const bound = ROOT_CONTEXT.setValue(KEY, 'bound');
let undo: () => void;

// The SDK's own AsyncLocalStorage context manager, as startTracing installs it.
const provider = new NodeTracerProvider();

beforeAll(() => {
  provider.register();
  undo = patchListenerAdders(Patched.prototype);
});

afterAll(() => {
  undo();
  context.disable();
  trace.disable();
  propagation.disable();
});

function seen(emitter: EventEmitter, add: 'on' | 'addListener' | 'prependListener' | 'once') {
  const calls: { value: unknown; self: unknown; args: unknown[] }[] = [];
  emitter[add]('ping', function (this: unknown, ...args: unknown[]) {
    calls.push({ value: context.active().getValue(KEY), self: this, args });
  });
  return calls;
}

describe('bindEmitter', () => {
  for (const add of ['on', 'addListener', 'prependListener', 'once'] as const) {
    it(`runs a listener added with ${add} in the bound context, with the emitter as this and every argument`, () => {
      const emitter = new Patched();
      bindEmitter(emitter, bound);
      const calls = seen(emitter, add);
      // Emitted from another context, as a socket's data arrives outside the request's.
      context.with(ROOT_CONTEXT.setValue(KEY, 'elsewhere'), () => emitter.emit('ping', 1, 'two', { three: 3 }));
      expect(calls).toEqual([{ value: 'bound', self: emitter, args: [1, 'two', { three: 3 }] }]);
    });
  }

  it('keeps a listener removable by the function that was added, and listeners() shows it', () => {
    const emitter = new Patched();
    bindEmitter(emitter, bound);
    let count = 0;
    const listener = () => count++;
    emitter.on('ping', listener);
    expect(emitter.listenerCount('ping')).toBe(1);
    expect(emitter.listeners('ping')).toEqual([listener]);
    emitter.removeListener('ping', listener);
    emitter.emit('ping');
    expect(count).toBe(0);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('runs a once listener one time only', () => {
    const emitter = new Patched();
    bindEmitter(emitter, bound);
    const calls = seen(emitter, 'once');
    emitter.emit('ping');
    emitter.emit('ping');
    expect(calls.map((c) => c.value)).toEqual(['bound']);
  });

  it('leaves the listeners of an unbound emitter in the context they are emitted in', () => {
    const emitter = new Patched();
    const calls = seen(emitter, 'on');
    context.with(ROOT_CONTEXT.setValue(KEY, 'emitting'), () => emitter.emit('ping'));
    expect(calls.map((c) => c.value)).toEqual(['emitting']);
  });

  it('gives the listener its return value and its throw back to the emitter', () => {
    const emitter = new Patched();
    bindEmitter(emitter, bound);
    emitter.on('ping', () => {
      throw new Error('listener failed');
    });
    expect(() => emitter.emit('ping')).toThrow('listener failed');
  });
});
