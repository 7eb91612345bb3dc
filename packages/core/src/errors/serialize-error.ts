import { safeGet, truncate } from '../internal/safe.js';
import type { SerializedError } from '../schema/log-record.js';
import { classifyError } from './classify-error.js';
import { errorMessage, errorType, isErrorLike } from './error-facts.js';
import { fingerprint } from './fingerprint.js';

/** Options of {@link serializeError}. */
export interface SerializeErrorOptions {
  /** @defaultValue 8192 */
  maxMessageLength?: number;
  /** @defaultValue 16384 */
  maxStackLength?: number;
  /** How many `cause` levels (and `AggregateError` member levels) to follow. @defaultValue 5 */
  maxCauseDepth?: number;
  /** Overrides the computed fingerprint of the outermost error. */
  fingerprint?: string;
}

const MAX_AGGREGATE_MEMBERS = 10;

/**
 * Turns anything thrown into the schema's error: `Error` subclasses, `AggregateError`, `cause` chains (depth-limited,
 * cycle-safe), strings, plain objects, `null`/`undefined`, and objects whose getters or `toString` throw. Huge
 * messages and stacks are truncated with a marker. Never throws.
 *
 * @example
 * ```ts
 * const e = serializeError(new TypeError('x is not a function'));
 * // { type: 'TypeError', message: 'x is not a function', stack_trace: '…', fingerprint: '…',
 * //   severity: 'high', category: 'runtime', retryable: false }
 * ```
 */
export function serializeError(value: unknown, options: SerializeErrorOptions = {}): SerializedError {
  const limits = {
    message: options.maxMessageLength ?? 8192,
    stack: options.maxStackLength ?? 16384,
    depth: options.maxCauseDepth ?? 5,
  };
  try {
    const out = serializeOne(value, limits, 0, new Set());
    if (options.fingerprint) out.fingerprint = options.fingerprint;
    return out;
  } catch {
    return {
      type: 'Error',
      message: '[error could not be serialized]',
      fingerprint: 'otelkit-unserializable-error',
      severity: 'medium',
      category: 'runtime',
      retryable: false,
    };
  }
}

interface Limits {
  message: number;
  stack: number;
  depth: number;
}

function serializeOne(value: unknown, limits: Limits, depth: number, seen: Set<unknown>): SerializedError {
  if (value !== null && typeof value === 'object') seen.add(value);
  const classification = classifyError(value);
  const out: SerializedError = {
    type: errorType(value),
    message: truncate(errorMessage(value), limits.message),
    fingerprint: fingerprint(value),
    severity: classification.severity,
    category: classification.category,
    retryable: classification.retryable,
  };
  const stack = safeGet(value, 'stack');
  if (typeof stack === 'string' && stack !== '') out.stack_trace = truncate(stack, limits.stack);
  const code = safeGet(value, 'code');
  if (typeof code === 'string' || typeof code === 'number') out.code = String(code).slice(0, 100);
  if (depth >= limits.depth) return out;

  const cause = safeGet(value, 'cause');
  if (cause !== undefined && cause !== null && !seen.has(cause)) {
    out.cause = serializeOne(cause, limits, depth + 1, seen);
  }
  const members = isErrorLike(value) ? safeGet(value, 'errors') : undefined;
  if (Array.isArray(members) && members.length > 0) {
    out.errors = [];
    for (const member of members.slice(0, MAX_AGGREGATE_MEMBERS)) {
      if (member !== null && typeof member === 'object' && seen.has(member)) continue;
      out.errors.push(serializeOne(member, limits, depth + 1, seen));
    }
  }
  return out;
}
