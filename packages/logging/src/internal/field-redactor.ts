import type { Redactor } from '@otelkit/core';

/**
 * Redaction of record fields through core's redactor with structural sharing (`redactShared`): only the parts that
 * change are copied, so a record without secrets costs a walk and cached string verdicts, not a deep copy. The result
 * never makes `JSON.stringify` throw.
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

export function createFieldRedactor(redactor: Redactor, censor: string): FieldRedactor {
  return {
    value: redactor.redactShared,
    string: redactor.redactString,
    isSensitiveKey: redactor.isSensitiveKey,
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
