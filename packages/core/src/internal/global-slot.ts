/**
 * The one way otelkit keeps process-wide state: a versioned `Symbol.for` slot on `globalThis`, so two copies of
 * `@otelkit/core` in one process (a duplicated install) share it instead of silently splitting it.
 */
export function globalSlot<T>(name: string, create: () => T): T {
  const key = Symbol.for(`otelkit.${name}.v1`);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let value = holder[key];
  if (value === undefined) {
    value = create();
    Object.defineProperty(globalThis, key, { value, enumerable: false, configurable: true, writable: false });
  }
  return value;
}

/**
 * A getter for a global slot that looks the slot up once: hot paths (every log line asks whether anyone listens for
 * records) must not build a key and call `Symbol.for` per call. Nothing is created until the first call.
 */
export function lazyGlobalSlot<T>(name: string, create: () => T): () => T {
  let value: T | undefined;
  return () => {
    if (value === undefined) value = globalSlot(name, create);
    return value;
  };
}
