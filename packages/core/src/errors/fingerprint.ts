import { createHash } from 'node:crypto';
import { safeGet } from '../internal/safe.js';
import { matchingRule } from './classify-error.js';
import { errorMessage, errorType } from './error-facts.js';
import { contextLine, moduleOf, parseStack } from './stack-frames.js';

const FINGERPRINT = Symbol.for('otelkit.fingerprint.v1');
const MAX_IN_APP_FRAMES = 5;

/**
 * Fixes the fingerprint of one error, whatever its message and stack say. Returns the same error.
 *
 * @example
 * ```ts
 * throw withFingerprint(new Error(`card ${id} declined`), 'payment-card-declined');
 * ```
 */
export function withFingerprint<T extends object>(error: T, value: string): T {
  try {
    Object.defineProperty(error, FINGERPRINT, { value, enumerable: false, configurable: true });
  } catch {
    /* frozen object: the caller still gets its error back */
  }
  return error;
}

const NORMALIZERS: ReadonlyArray<[RegExp, string]> = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '<email>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>'],
  [/\b(?:0x)?(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  [/"[^"\n]{0,200}"|'[^'\n]{0,200}'|`[^`\n]{0,200}`/g, '<str>'],
  [/\d+(?:\.\d+)?/g, '<n>'],
];

/**
 * The message with what changes from one occurrence to the next (ids, numbers, emails, addresses, quoted values)
 * replaced by placeholders, so that `user 42 not found` and `user 97 not found` are one problem.
 */
export function normalizeMessage(message: string): string {
  let out = message.length > 500 ? message.slice(0, 500) : message;
  for (const [pattern, placeholder] of NORMALIZERS) out = out.replace(pattern, placeholder);
  return out;
}

/**
 * The identity of an error, shared by logs, spans and Sentry: a hash of the error type, the normalized message and
 * the in-app frames (function, module and source line — never line or column numbers, never `node:` or
 * `node_modules` frames). It survives deploys that only move code; it differs between throw sites.
 * An explicit fingerprint wins: {@link withFingerprint}, a string `fingerprint` property on the error, or a
 * registered rule's `fingerprint`.
 *
 * @example
 * ```ts
 * fingerprint(new Error('user 42 not found')) === fingerprint(new Error('user 97 not found')); // same site: true
 * ```
 */
export function fingerprint(value: unknown): string {
  const explicit = safeGet(value, FINGERPRINT) ?? safeGet(value, 'fingerprint');
  if (typeof explicit === 'string' && explicit !== '') return explicit.slice(0, 200);
  const rule = matchingRule(value);
  if (rule?.fingerprint) return rule.fingerprint;

  const hash = createHash('sha256');
  hash.update(errorType(value));
  hash.update('\0');
  hash.update(normalizeMessage(errorMessage(value)));
  const stack = safeGet(value, 'stack');
  if (typeof stack === 'string') {
    let used = 0;
    for (const frame of parseStack(stack)) {
      if (!frame.inApp) continue;
      hash.update('\0');
      hash.update(frame.fn);
      hash.update('@');
      hash.update(moduleOf(frame.file));
      const source = contextLine(frame);
      if (source !== undefined) {
        hash.update('#');
        hash.update(source);
      }
      if (++used >= MAX_IN_APP_FRAMES) break;
    }
  }
  return hash.digest('hex').slice(0, 16);
}
