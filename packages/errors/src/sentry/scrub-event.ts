import type { Redactor } from '@otelkit/core';
import type { SentryEvent } from '../config/options.js';

/** What the scrubber needs: the redactor, the header allow-list, the PII switch and the breadcrumb bound. */
export interface ScrubOptions {
  redactor: Redactor;
  allowHeaders: ReadonlySet<string>;
  sendUserPii: boolean;
  maxBreadcrumbs: number;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Contexts that carry ids, not data: redacting them could only corrupt a trace id. */
const ID_CONTEXTS = new Set(['trace', 'otel']);
const USER_PII_FIELDS = ['email', 'ip_address', 'username', 'geo', 'name'];

/**
 * Runs core's redactor over everything an event may carry after Sentry's own collection: request headers (only
 * allow-listed ones survive), cookies and bodies (removed), the query string, the user (only the id unless PII is
 * allowed), tags, extra, contexts, breadcrumbs, exception messages and span data. Mutates and returns the event.
 */
export function scrubEvent(event: SentryEvent, options: ScrubOptions): SentryEvent {
  const { redactor } = options;
  const request = event.request;
  if (isObj(request)) scrubRequest(request, options);

  const user = event.user;
  if (isObj(user)) {
    if (!options.sendUserPii) for (const field of USER_PII_FIELDS) delete user[field];
    event.user = redactUser(user, redactor, options.sendUserPii);
  }
  if (isObj(event.tags)) {
    const tags: Obj = {};
    for (const [k, v] of Object.entries(event.tags)) {
      tags[k] = redactor.isSensitiveKey(k) ? '[REDACTED]' : typeof v === 'string' ? redactor.redactString(v) : v;
    }
    event.tags = tags;
  }
  if (event.extra !== undefined) event.extra = redactor.redact(event.extra);
  if (isObj(event.contexts)) {
    const contexts: Obj = {};
    for (const [k, v] of Object.entries(event.contexts)) contexts[k] = ID_CONTEXTS.has(k) ? v : redactor.redact(v);
    event.contexts = contexts;
  }
  if (event.breadcrumbs !== undefined) event.breadcrumbs = scrubBreadcrumbs(event.breadcrumbs, options);
  if (typeof event.message === 'string') event.message = redactor.redactString(event.message);
  if (isObj(event.logentry)) event.logentry = redactor.redact(event.logentry);
  if (typeof event.transaction === 'string') event.transaction = redactor.redactString(event.transaction);

  const exception = event.exception;
  const values = isObj(exception) ? exception.values : undefined;
  if (Array.isArray(values)) {
    for (const value of values) {
      if (!isObj(value)) continue;
      if (typeof value.value === 'string') value.value = redactor.redactString(value.value);
      const frames = isObj(value.stacktrace) ? value.stacktrace.frames : undefined;
      if (Array.isArray(frames)) for (const frame of frames) if (isObj(frame)) scrubFrame(frame, redactor);
    }
  }
  if (Array.isArray(event.spans)) {
    for (const span of event.spans) {
      if (!isObj(span)) continue;
      if (span.data !== undefined) span.data = redactor.redact(span.data);
      if (typeof span.description === 'string') span.description = redactor.redactString(span.description);
    }
  }
  return event;
}

/** No local variables leave the process, whatever an integration added; source lines are scanned for secrets. */
function scrubFrame(frame: Obj, redactor: Redactor): void {
  delete frame.vars;
  if (typeof frame.context_line === 'string') frame.context_line = redactor.redactString(frame.context_line);
  for (const key of ['pre_context', 'post_context'] as const) {
    const lines = frame[key];
    if (Array.isArray(lines)) frame[key] = lines.map((l) => (typeof l === 'string' ? redactor.redactString(l) : l));
  }
}

function scrubRequest(request: Obj, options: ScrubOptions): void {
  const { redactor } = options;
  delete request.data;
  delete request.cookies;
  delete request.env;
  if (isObj(request.headers)) {
    const headers: Obj = {};
    for (const [name, value] of Object.entries(request.headers)) {
      const lower = name.toLowerCase();
      if (!options.allowHeaders.has(lower) || lower === 'cookie' || lower === 'set-cookie') continue;
      headers[lower] = redactor.isSensitiveKey(lower) ? '[REDACTED]' : redactor.redact(value);
    }
    request.headers = headers;
  }
  if (typeof request.query_string === 'string') request.query_string = redactQuery(request.query_string, redactor);
  else if (request.query_string !== undefined) request.query_string = redactor.redact(request.query_string);
  if (typeof request.url === 'string') {
    const q = request.url.indexOf('?');
    if (q !== -1) {
      const hash = request.url.indexOf('#', q);
      const query = request.url.slice(q + 1, hash === -1 ? undefined : hash);
      request.url = `${redactor.redactString(request.url.slice(0, q))}?${redactQuery(query, redactor)}`;
    } else {
      request.url = redactor.redactString(request.url);
    }
  }
}

/** `a=1&token=x` → `a=1&token=[REDACTED]`: sensitive keys lose their value, other values are scanned. */
export function redactQuery(query: string, redactor: Redactor): string {
  if (query === '') return query;
  const out: string[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    let key = rawKey;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    } catch {
      /* keep the raw key */
    }
    if (eq === -1) {
      out.push(redactor.redactString(pair));
      continue;
    }
    if (redactor.isSensitiveKey(key)) {
      out.push(`${rawKey}=[REDACTED]`);
      continue;
    }
    let value = pair.slice(eq + 1);
    try {
      value = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      /* keep the raw value */
    }
    const redacted = redactor.redactString(value);
    out.push(`${rawKey}=${redacted === value ? pair.slice(eq + 1) : encodeURIComponent(redacted)}`);
  }
  return out.join('&');
}

function redactUser(user: Obj, redactor: Redactor, pii: boolean): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(user)) {
    // The id is opaque by contract; the rest is scanned like any other value.
    out[k] = k === 'id' || (pii && USER_PII_FIELDS.includes(k)) ? v : redactor.redact(v);
  }
  return out;
}

function scrubBreadcrumbs(value: unknown, options: ScrubOptions): unknown {
  const list = Array.isArray(value) ? value : isObj(value) && Array.isArray(value.values) ? value.values : undefined;
  if (!list) return undefined;
  const bounded = options.maxBreadcrumbs === 0 ? [] : list.slice(-options.maxBreadcrumbs);
  const out = bounded.filter(isObj).map((crumb) => {
    const copy: Obj = { ...crumb };
    if (typeof copy.message === 'string') copy.message = options.redactor.redactString(copy.message);
    if (copy.data !== undefined) copy.data = options.redactor.redact(copy.data);
    return copy;
  });
  return Array.isArray(value) ? out : { ...(value as Obj), values: out };
}
