/** Reads a property without letting a throwing getter or a Proxy trap escape. */
export function safeGet(target: unknown, key: PropertyKey): unknown {
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return undefined;
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** `String(value)` that never throws (a hostile `toString`, a Symbol, a null-prototype object). */
export function safeString(value: unknown): string {
  try {
    if (typeof value === 'symbol') return value.toString();
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[unprintable]';
    }
  }
}

/** Cuts a string to `max` characters and says how much was cut, so a reader knows it is not the whole value. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}…[truncated ${value.length - max} chars]`;
}
