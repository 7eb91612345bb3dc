import type { Redactor } from '@otelkit/core';

/**
 * Redaction of record fields with structural sharing: plain objects, arrays and primitives are walked here and only
 * the parts that change are copied, so a record without secrets costs a walk and cached string verdicts, not a deep
 * copy. Everything else (class instances, Maps, Dates, Errors, Proxies that misbehave) goes to core's full
 * `redactor.redact`, which turns it into a JSON-safe copy. The result never makes `JSON.stringify` throw.
 */
export interface FieldRedactor {
  /** A JSON-safe, redacted version of `value` (the same reference when nothing had to change). */
  value(value: unknown): unknown;
  /** Redacts and truncates one string. */
  string(value: string): string;
  isSensitiveKey(key: string): boolean;
  readonly censor: string;
  /** The last correlation id found valid and free of secrets (a one-entry cache for record-fields). */
  lastCorrelationId: string | undefined;
}

const CIRCULAR = '[Circular]';
const DEPTH_LIMIT = '[Depth limit]';
const UNREADABLE = '[Unreadable]';
/** Marks a property whose getter threw, so that it is never mistaken for a value. */
const UNREADABLE_READ: unique symbol = Symbol('unreadable');

export function createFieldRedactor(redactor: Redactor, censor: string, maxDepth: number): FieldRedactor {
  const redactString = redactor.redactString;
  const isSensitiveKey = redactor.isSensitiveKey;
  // One stack for every walk: pushes and pops are balanced (finally), so a getter that logs while we walk only
  // makes its own walk see a few extra ancestors.
  const stack: object[] = [];

  const walk = (value: unknown, depth: number): unknown => {
    switch (typeof value) {
      case 'string':
        return redactString(value);
      case 'number':
      case 'boolean':
      case 'undefined':
        return value;
      case 'object':
        return value === null ? null : walkObject(value, depth);
      case 'bigint':
        return value.toString();
      case 'symbol':
        return redactString(value.toString());
      default:
        return undefined;
    }
  };

  const walkObject = (value: object, depth: number): unknown => {
    if (depth >= maxDepth) return DEPTH_LIMIT;
    for (let i = 0; i < stack.length; i++) if (stack[i] === value) return CIRCULAR;
    try {
      const proto = Object.getPrototypeOf(value);
      if (proto === Array.prototype) return walkArray(value as unknown[], depth);
      if ((proto === Object.prototype || proto === null) && (value as { toJSON?: unknown }).toJSON === undefined) {
        return walkPlain(value as Record<string, unknown>, depth);
      }
    } catch {
      return UNREADABLE;
    }
    return redactor.redact(value);
  };

  const walkArray = (value: unknown[], depth: number): unknown => {
    stack.push(value);
    try {
      let out: unknown[] | undefined;
      const n = value.length;
      for (let i = 0; i < n; i++) {
        let v: unknown;
        let nv: unknown;
        try {
          v = value[i];
          nv = walk(v, depth + 1);
        } catch {
          v = undefined;
          nv = UNREADABLE;
        }
        if (nv === undefined) nv = null;
        if (out === undefined && nv !== v) out = value.slice(0, i);
        if (out !== undefined) out[i] = nv;
      }
      return out ?? value;
    } finally {
      stack.pop();
    }
  };

  const redactField = (key: string, v: unknown, depth: number): unknown => {
    if (v === UNREADABLE_READ) return UNREADABLE;
    try {
      if (isSensitiveKey(key)) return v === null || v === undefined ? v : censor;
      return walk(v, depth + 1);
    } catch {
      return UNREADABLE;
    }
  };

  const walkPlain = (value: Record<string, unknown>, depth: number): unknown => {
    const keys = Object.keys(value);
    stack.push(value);
    try {
      let out: Record<string, unknown> | undefined;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        let v: unknown;
        try {
          v = value[key];
        } catch {
          v = UNREADABLE_READ;
        }
        const nv = redactField(key, v, depth);
        if (out === undefined && nv !== v) {
          out = {};
          // Earlier values are read again: redact them again too, so a getter that changes its mind stays redacted.
          for (let j = 0; j < i; j++) {
            const k = keys[j] as string;
            let again: unknown;
            try {
              again = value[k];
            } catch {
              again = UNREADABLE_READ;
            }
            const r = redactField(k, again, depth);
            if (r !== undefined) setField(out, k, r);
          }
        }
        if (out !== undefined && nv !== undefined) setField(out, key, nv);
      }
      return out ?? value;
    } finally {
      stack.pop();
    }
  };

  return {
    value: (value) => {
      try {
        return walk(value, 0);
      } catch {
        return UNREADABLE;
      }
    },
    string: redactString,
    isSensitiveKey,
    censor,
    lastCorrelationId: undefined,
  };
}

/** Assigns without letting a `__proto__` key (from JSON.parse, say) replace the prototype of the copy. */
export function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
