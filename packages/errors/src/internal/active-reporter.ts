import type { InternalReporter } from '../capture/reporter.js';

interface Slot {
  active?: InternalReporter;
  fallback?: InternalReporter;
}

const KEY = Symbol.for('otelkit.errors.v1');

/**
 * The process-wide reporter, in one versioned `Symbol.for` slot so that two installed copies of this package agree on
 * it (Sentry itself is one per process).
 */
export function reporterSlot(): Slot {
  const holder = globalThis as unknown as Record<symbol, Slot | undefined>;
  let slot = holder[KEY];
  if (slot === undefined) {
    slot = {};
    Object.defineProperty(globalThis, KEY, { value: slot, enumerable: false, configurable: true, writable: false });
  }
  return slot;
}
