import { lazyGlobalSlot } from '../internal/global-slot.js';
import { safeGet } from '../internal/safe.js';
import type { ErrorCategory, ErrorSeverity } from '../schema/log-record.js';
import { errorChain, errorFacts } from './error-facts.js';

/** Where an error sits in the taxonomy: how bad, from where, and whether trying again can help. */
export interface ErrorClassification {
  severity: ErrorSeverity;
  category: ErrorCategory;
  retryable: boolean;
}

/** What a rule can see of an error without touching it: read once, defensively. */
export interface ErrorFacts {
  type: string;
  message: string;
  code?: string;
  status?: number;
}

/** A declarative match: every given field must match. */
export interface ErrorMatcher {
  type?: string | RegExp;
  code?: string | RegExp;
  message?: RegExp;
  /** One HTTP status, or an inclusive range such as `[500, 599]`. */
  status?: number | readonly [number, number];
}

/**
 * A classification rule. User rules run before the built-in ones, over the error and then its `cause` chain; the
 * first rule that matches decides. Fields left out keep the built-in classification.
 *
 * @example
 * ```ts
 * registerErrorRule({ name: 'card-declined', match: { type: 'CardDeclinedError' }, severity: 'low',
 *   category: 'integration', retryable: false, fingerprint: 'payment-card-declined' });
 * ```
 */
export interface ErrorRule {
  name?: string;
  match: ErrorMatcher | ((error: unknown, facts: ErrorFacts) => boolean);
  severity?: ErrorSeverity;
  category?: ErrorCategory;
  retryable?: boolean;
  /** Groups every error this rule matches under one fingerprint. */
  fingerprint?: string;
}

interface Registry {
  rules: ErrorRule[];
}

const registry: () => Registry = lazyGlobalSlot('error-rules', () => ({ rules: [] }));

/**
 * Registers a classification rule for the whole process (every otelkit package classifies through it). Returns a
 * function that removes the rule again.
 */
export function registerErrorRule(rule: ErrorRule): () => void {
  const rules = registry().rules;
  rules.push(rule);
  return () => {
    const i = rules.indexOf(rule);
    if (i !== -1) rules.splice(i, 1);
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const RESOURCE_CODES = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'ERR_OUT_OF_MEMORY', 'ENOSPC']);
const CONFIG_CODES = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'ERR_MODULE_NOT_FOUND',
  'MODULE_NOT_FOUND',
  'OTELKIT_CONFIG_INVALID',
  'ERR_INVALID_URL',
]);
const SECURITY_TYPES =
  /^(Unauthori[sz]ed|Forbidden|Authentication|Authori[sz]ation|JsonWebToken|TokenExpired|NotBefore|Csrf|CSRF|Permission)\w*(Error|Exception)$/;
const VALIDATION_TYPES = /^(ZodError|ValidationError|ValiError|YupValidationError|AjvValidationError|SyntaxError)$/;
const RUNTIME_TYPES = new Set(['TypeError', 'ReferenceError', 'RangeError', 'EvalError', 'URIError', 'InternalError']);

function builtin(facts: ErrorFacts): ErrorClassification | undefined {
  const { type, code, status } = facts;
  if (code !== undefined) {
    if (NETWORK_CODES.has(code)) return { severity: 'high', category: 'integration', retryable: true };
    if (TIMEOUT_CODES.has(code)) return { severity: 'high', category: 'performance', retryable: true };
    if (code === 'ENOTFOUND') return { severity: 'high', category: 'configuration', retryable: false };
    if (code.startsWith('UND_ERR_'))
      return {
        severity: 'high',
        category: 'integration',
        retryable: code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED',
      };
    if (RESOURCE_CODES.has(code))
      return { severity: 'critical', category: 'performance', retryable: code === 'EMFILE' || code === 'ENFILE' };
    if (CONFIG_CODES.has(code)) return { severity: 'critical', category: 'configuration', retryable: false };
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code.startsWith('CERT_') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
      return { severity: 'high', category: 'security', retryable: false };
    }
  }
  if (type === 'TimeoutError') return { severity: 'high', category: 'performance', retryable: true };
  if (type === 'AbortError') return { severity: 'low', category: 'runtime', retryable: false };
  if (type === 'ConfigError') return { severity: 'critical', category: 'configuration', retryable: false };
  if (SECURITY_TYPES.test(type)) return { severity: 'medium', category: 'security', retryable: false };
  if (status !== undefined) {
    if (status === 401 || status === 403) return { severity: 'medium', category: 'security', retryable: false };
    if (status === 408) return { severity: 'medium', category: 'performance', retryable: true };
    if (status === 429) return { severity: 'medium', category: 'integration', retryable: true };
    if (status >= 400 && status < 500) return { severity: 'low', category: 'logic', retryable: false };
    if (status === 502 || status === 503 || status === 504)
      return { severity: 'high', category: 'integration', retryable: true };
    if (status >= 500 && status < 600) return { severity: 'high', category: 'integration', retryable: false };
  }
  if (VALIDATION_TYPES.test(type)) return { severity: 'low', category: 'logic', retryable: false };
  return undefined;
}

const RUNTIME: ErrorClassification = { severity: 'high', category: 'runtime', retryable: false };

function matches(rule: ErrorRule, error: unknown, facts: ErrorFacts): boolean {
  try {
    if (typeof rule.match === 'function') return rule.match(error, facts) === true;
    const m = rule.match;
    if (m.type !== undefined && !test(m.type, facts.type)) return false;
    if (m.code !== undefined && (facts.code === undefined || !test(m.code, facts.code))) return false;
    if (m.message !== undefined && !test(m.message, facts.message)) return false;
    if (m.status !== undefined) {
      if (facts.status === undefined) return false;
      const [lo, hi] = typeof m.status === 'number' ? [m.status, m.status] : m.status;
      if (facts.status < lo || facts.status > hi) return false;
    }
    return true;
  } catch {
    // A rule that throws matches nothing; classification must never fail.
    return false;
  }
}

function test(pattern: string | RegExp, value: string): boolean {
  if (typeof pattern === 'string') return pattern === value;
  pattern.lastIndex = 0;
  return pattern.test(value);
}

/** The first user rule that matches the error or one of its causes, with the error it matched. */
export function matchingRule(value: unknown): ErrorRule | undefined {
  const rules = registry().rules;
  if (rules.length === 0) return undefined;
  for (const err of errorChain(value)) {
    const facts = errorFacts(err);
    for (const rule of rules) if (matches(rule, err, facts)) return rule;
  }
  return undefined;
}

const DEFAULT_ERROR: ErrorClassification = { severity: 'medium', category: 'runtime', retryable: false };
const DEFAULT_NON_ERROR: ErrorClassification = { severity: 'medium', category: 'logic', retryable: false };

/**
 * Maps anything thrown to the taxonomy: severity, category, retryable. Decided by user rules, then Node error codes
 * (`ECONNREFUSED`, `ETIMEDOUT`, `UND_ERR_*`, …), error names (`TimeoutError`, `AbortError`, `ZodError`, …) and an
 * HTTP status on the error (`status`, `statusCode`, `response.status`), over the error and its `cause` chain.
 *
 * @example
 * ```ts
 * classifyError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
 * // { severity: 'high', category: 'integration', retryable: true }
 * ```
 */
export function classifyError(value: unknown): ErrorClassification {
  const chain = errorChain(value);
  const rules = registry().rules;
  if (rules.length > 0) {
    for (const err of chain) {
      const facts = errorFacts(err);
      for (const rule of rules) {
        if (!matches(rule, err, facts)) continue;
        const base = builtinOf(chain) ?? defaultOf(value);
        return {
          severity: rule.severity ?? base.severity,
          category: rule.category ?? base.category,
          retryable: rule.retryable ?? base.retryable,
        };
      }
    }
  }
  return builtinOf(chain) ?? defaultOf(value);
}

function builtinOf(chain: unknown[]): ErrorClassification | undefined {
  const facts = chain.map(errorFacts);
  for (const f of facts) {
    const found = builtin(f);
    if (found) return found;
  }
  // A generic runtime type says the least, so it only decides when nothing in the chain is more specific: undici's
  // `TypeError: fetch failed` owes its meaning to its cause (ECONNREFUSED, UND_ERR_SOCKET, …).
  for (const f of facts) if (RUNTIME_TYPES.has(f.type)) return RUNTIME;
  return undefined;
}

function defaultOf(value: unknown): ErrorClassification {
  return typeof safeGet(value, 'stack') === 'string' ? DEFAULT_ERROR : DEFAULT_NON_ERROR;
}
