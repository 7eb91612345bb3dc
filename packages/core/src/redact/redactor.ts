import { types } from 'node:util';
import { isErrorLike } from '../errors/error-facts.js';
import { serializeError } from '../errors/serialize-error.js';
import { safeString, truncate } from '../internal/safe.js';
import { createKeyMatcher, DEFAULT_SENSITIVE_KEYS } from './key-rules.js';
import { createValueScanner } from './value-patterns.js';

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /**
   * Sensitive keys. Strings match case-insensitively with `-`/`_` variants; a RegExp is tested against the raw key.
   * An array adds to the defaults; a function receives the defaults and returns the whole list.
   * @defaultValue the built-in list (password, token, authorization, cookie, card_number, ssn, …)
   */
  keys?: ReadonlyArray<string | RegExp> | ((defaults: readonly string[]) => ReadonlyArray<string | RegExp>);
  /** Also redact email addresses and IP addresses inside strings. @defaultValue true */
  pii?: boolean;
  /** What replaces a secret. @defaultValue '[REDACTED]' */
  censor?: string;
  /** Deeper values become `'[Depth limit]'`. @defaultValue 16 */
  maxDepth?: number;
  /** Longer strings are cut with a `…[truncated N chars]` marker before they are scanned. @defaultValue Infinity */
  maxStringLength?: number;
}

/** A configured redactor. Every method is total: hostile input gives placeholders, never an exception. */
export interface Redactor {
  /**
   * A redacted deep copy in JSON-safe form: Map → object, Set → array, Date → ISO string, BigInt → string,
   * Buffer → `'[Buffer N bytes]'`, Error → the schema's error, cycles → `'[Circular]'`, throwing getters →
   * `'[Unreadable]'`, Symbol keys and functions left out. The input is never mutated.
   */
  redact<T>(value: T): T;
  /**
   * The same JSON-safe redaction as {@link Redactor.redact}, but with structural sharing: parts that need no change
   * are returned as they are (the input itself when nothing changed), so the result must be treated as read-only.
   * For sinks that serialize right away.
   */
  redactShared(value: unknown): unknown;
  /** Redacts secrets inside one string. */
  redactString(value: string): string;
  /** Whether a key's value is withheld whole. */
  isSensitiveKey(key: string): boolean;
  /**
   * Redacts and serializes to JSON in one step, sharing unchanged parts of the input instead of copying them: the
   * fast path for sinks. Never throws.
   */
  stringify(value: unknown): string;
}

const CIRCULAR = '[Circular]';
const MAX_CACHED_STRING = 256;
const MAX_CACHED_STRINGS = 8192;
const DEPTH_LIMIT = '[Depth limit]';
const UNREADABLE = '[Unreadable]';

/**
 * Creates a redactor.
 *
 * @example
 * ```ts
 * const redactor = createRedactor({ keys: ['merchant_secret_ref'], pii: false });
 * redactor.redact({ password: 'hunter2', note: 'card 4111 1111 1111 1111' });
 * // { password: '[REDACTED]', note: 'card [REDACTED]' }
 * ```
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const keys =
    typeof options.keys === 'function'
      ? { defaults: [] as readonly string[], extra: options.keys(DEFAULT_SENSITIVE_KEYS) }
      : { defaults: DEFAULT_SENSITIVE_KEYS, extra: options.keys ?? [] };
  const isSensitiveKey = createKeyMatcher(keys.extra, keys.defaults);
  const censor = options.censor ?? '[REDACTED]';
  const maxDepth = options.maxDepth ?? 16;
  const maxStringLength = options.maxStringLength ?? Number.POSITIVE_INFINITY;
  const scan = createValueScanner(isSensitiveKey, options.pii ?? true, censor);

  // Short values repeat across records (service, route, level, messages), so their verdicts are cached.
  const verdicts = new Map<string, string>();
  const redactString = (value: string): string => {
    if (value.length <= MAX_CACHED_STRING) {
      const hit = verdicts.get(value);
      if (hit !== undefined) return hit;
    }
    let out: string;
    try {
      out = scan(value.length > maxStringLength ? truncate(value, maxStringLength) : value);
    } catch {
      out = censor;
    }
    if (value.length <= MAX_CACHED_STRING) {
      if (verdicts.size >= MAX_CACHED_STRINGS) verdicts.clear();
      verdicts.set(value, out);
    }
    return out;
  };

  // `copy` decides between a full deep copy (redact) and copy-on-write with structural sharing (stringify).
  const walk = (value: unknown, depth: number, ancestors: object[], copy: boolean): unknown => {
    switch (typeof value) {
      case 'string':
        return redactString(value);
      case 'bigint':
        return value.toString();
      case 'symbol':
        return redactString(value.toString());
      case 'function':
        return undefined;
      case 'object':
        break;
      default:
        return value;
    }
    if (value === null) return null;
    if (depth >= maxDepth) return DEPTH_LIMIT;
    if (ancestors.includes(value)) return CIRCULAR;
    try {
      ancestors.push(value);
      return walkObject(value, depth, ancestors, copy);
    } catch {
      return UNREADABLE;
    } finally {
      ancestors.pop();
    }
  };

  const walkObject = (value: object, depth: number, ancestors: object[], copy: boolean): unknown => {
    const proto = Object.getPrototypeOf(value);
    if ((proto === Object.prototype || proto === null) && (value as { toJSON?: unknown }).toJSON === undefined) {
      return walkPlain(value, depth, ancestors, copy);
    }
    if (Array.isArray(value)) return walkArray(value, depth, ancestors, copy);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (types.isAnyArrayBuffer(value) || ArrayBuffer.isView(value)) {
      return `[${Buffer.isBuffer(value) ? 'Buffer' : (value.constructor?.name ?? 'Binary')} ${(value as ArrayBufferLike).byteLength} bytes]`;
    }
    if (isErrorLike(value)) return walk(serializeError(value), depth, ancestors, true);
    // Boxed primitives: JSON.stringify writes their primitive value, so that is what gets redacted.
    if (value instanceof String) return redactString(value.valueOf());
    if (value instanceof Number || value instanceof Boolean) return value.valueOf();
    if (value instanceof Map) {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of value) setOwn(obj, safeString(k), v);
      return walkPlain(obj, depth, ancestors, true);
    }
    if (value instanceof Set) return walkArray([...value], depth, ancestors, true);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      let json: unknown;
      try {
        json = (value as { toJSON: () => unknown }).toJSON();
      } catch {
        return '[toJSON threw]';
      }
      if (json === value) return walkPlain(value, depth, ancestors, true);
      return walk(json, depth, ancestors, true);
    }
    return walkPlain(value, depth, ancestors, copy);
  };

  const walkArray = (value: readonly unknown[], depth: number, ancestors: object[], copy: boolean): unknown => {
    let out: unknown[] | undefined = copy ? new Array(value.length) : undefined;
    for (let i = 0; i < value.length; i++) {
      let v: unknown;
      try {
        v = value[i];
      } catch {
        v = UNREADABLE;
      }
      let nv = walk(v, depth + 1, ancestors, copy);
      if (nv === undefined && v !== undefined) nv = null;
      if (out === undefined && nv !== v) out = value.slice(0, i);
      if (out !== undefined) out[i] = nv;
    }
    return out ?? value;
  };

  const walkPlain = (value: object, depth: number, ancestors: object[], copy: boolean): unknown => {
    const keys = Object.keys(value);
    let out: Record<string, unknown> | undefined = copy ? {} : undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      let v: unknown;
      let nv: unknown;
      try {
        v = (value as Record<string, unknown>)[key];
        nv = isSensitiveKey(key) ? (v === null || v === undefined ? v : censor) : walk(v, depth + 1, ancestors, copy);
      } catch {
        v = undefined;
        nv = UNREADABLE;
      }
      if (out === undefined && nv !== v) {
        out = {};
        // Earlier values are read again: redact them again too, so a getter that changes its mind stays redacted.
        for (let j = 0; j < i; j++) {
          const k = keys[j] as string;
          let again: unknown;
          try {
            const raw = (value as Record<string, unknown>)[k];
            again = isSensitiveKey(k)
              ? raw === null || raw === undefined
                ? raw
                : censor
              : walk(raw, depth + 1, ancestors, copy);
          } catch {
            again = UNREADABLE;
          }
          if (again !== undefined) setOwn(out, k, again);
        }
      }
      if (out !== undefined && nv !== undefined) setOwn(out, key, nv);
    }
    return out ?? value;
  };

  const redact = <T>(value: T): T => walk(value, 0, [], true) as T;

  const stringify = (value: unknown): string => {
    try {
      const json = JSON.stringify(walk(value, 0, [], false));
      return json === undefined ? 'null' : json;
    } catch {
      // A getter that changed its mind between the walk and JSON.stringify: take the full copy instead.
      try {
        return JSON.stringify(redact(value)) ?? 'null';
      } catch {
        return JSON.stringify('[Unserializable]');
      }
    }
  };

  const redactShared = (value: unknown): unknown => {
    try {
      return walk(value, 0, [], false);
    } catch {
      return UNREADABLE;
    }
  };

  return { redact, redactShared, redactString, isSensitiveKey, stringify };
}

/** `obj[key] = value`, except that an own `__proto__` key (JSON.parse makes them) stays a key, not a prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

let defaultRedactor: Redactor | undefined;

/**
 * Redacts with the default rules (the built-in keys, PII on): a redacted deep copy, input never mutated.
 *
 * @example
 * ```ts
 * redact({ headers: { authorization: 'Bearer abc.def' }, email: 'ann@example.com' });
 * // { headers: { authorization: '[REDACTED]' }, email: '[REDACTED]' }
 * ```
 */
export function redact<T>(value: T): T {
  defaultRedactor ??= createRedactor();
  return defaultRedactor.redact(value);
}
