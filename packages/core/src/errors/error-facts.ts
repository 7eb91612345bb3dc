import { types } from 'node:util';
import { safeGet, safeString } from '../internal/safe.js';
import type { ErrorFacts } from './classify-error.js';

const MAX_CHAIN = 6;

/** The error and its `cause` chain, cycle-safe and depth-limited. */
export function errorChain(value: unknown): unknown[] {
  const chain: unknown[] = [value];
  const seen = new Set<unknown>([value]);
  let current = value;
  while (chain.length < MAX_CHAIN) {
    const cause = safeGet(current, 'cause');
    if (cause === undefined || cause === null || seen.has(cause)) break;
    seen.add(cause);
    chain.push(cause);
    current = cause;
  }
  return chain;
}

/** True for real errors, including ones from another realm or with a replaced prototype. */
export function isErrorLike(value: unknown): value is Error {
  try {
    // `instanceof` runs a Proxy's getPrototypeOf trap, which may throw.
    return value instanceof Error || types.isNativeError(value);
  } catch {
    return false;
  }
}

/**
 * The type name of a thrown value. A subclass that forgot to set `name` still reports its class name
 * (`class PaymentError extends Error {}` is `PaymentError`, not `Error`).
 */
export function errorType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return 'Error';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  const name = safeGet(value, 'name');
  const ctor = safeGet(value, 'constructor');
  const ctorName = typeof ctor === 'function' ? safeGet(ctor, 'name') : undefined;
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name.slice(0, 200);
  if (typeof ctorName === 'string' && ctorName !== '' && ctorName !== 'Object') return ctorName.slice(0, 200);
  if (typeof name === 'string' && name !== '') return name;
  return isErrorLike(value) ? 'Error' : 'Object';
}

/** The raw message of a thrown value, before any truncation. */
export function errorMessage(value: unknown): string {
  if (value === null) return 'null was thrown';
  if (value === undefined) return 'undefined was thrown';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' && typeof value !== 'function') return safeString(value);
  const message = safeGet(value, 'message');
  if (typeof message === 'string') return message;
  if (isErrorLike(value)) return '';
  try {
    const json = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    if (typeof json === 'string') return json.length > 500 ? `${json.slice(0, 500)}…` : json;
  } catch {
    /* cyclic or hostile: fall through */
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    // A Proxy whose get trap throws on Symbol.toStringTag.
    return '[object Unknown]';
  }
}

/** Facts for rules and classification, each read defensively. */
export function errorFacts(value: unknown): ErrorFacts {
  const facts: ErrorFacts = { type: errorType(value), message: errorMessage(value).slice(0, 2000) };
  const code = safeGet(value, 'code');
  if (typeof code === 'string' || typeof code === 'number') facts.code = String(code);
  const status = statusOf(value);
  if (status !== undefined) facts.status = status;
  return facts;
}

function statusOf(value: unknown): number | undefined {
  for (const candidate of [
    safeGet(value, 'status'),
    safeGet(value, 'statusCode'),
    safeGet(safeGet(value, 'response'), 'status'),
  ]) {
    const n = typeof candidate === 'string' ? Number(candidate) : candidate;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599) return n;
  }
  return undefined;
}
