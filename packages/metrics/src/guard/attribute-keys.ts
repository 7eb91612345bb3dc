import { DEFAULT_SENSITIVE_KEYS } from '@otelkit/core';

/**
 * Attribute keys that never become metric labels: each distinct value is a new time series (ids, emails, raw paths,
 * query strings, full URLs), or the value is a secret. Matched on the key normalized to lower case with `-`, `_`, `.`
 * and spaces removed, so `user.id`, `userId` and `user_id` are the same key.
 */
const REFUSED_EXACT: Record<string, string> = {
  userid: 'a user id is one series per user',
  useremail: 'an email address is personal data and one series per person',
  email: 'an email address is personal data and one series per person',
  username: 'a user name is personal data and one series per person',
  enduserid: 'a user id is one series per user',
  customerid: 'a customer id is one series per customer',
  accountid: 'an account id is one series per account',
  sessionid: 'a session id is one series per session',
  requestid: 'a request id is one series per request',
  correlationid: 'a correlation id is one series per request',
  otelkitcorrelationid: 'a correlation id is one series per request',
  traceid: 'a trace id is one series per request (use exemplars, not labels)',
  spanid: 'a span id is one series per request',
  urlfull: 'a full URL is one series per distinct URL; record http.route instead',
  url: 'a URL is one series per distinct URL; record http.route instead',
  urlpath: 'a raw path is one series per distinct path; record the route template (http.route) instead',
  path: 'a raw path is one series per distinct path; record the route template (http.route) instead',
  urlquery: 'a query string is one series per distinct query',
  query: 'a query string is one series per distinct query',
  querystring: 'a query string is one series per distinct query',
  httptarget: 'http.target carries the raw path and query; record http.route instead',
  httpurl: 'http.url carries the full URL; record http.route instead',
  clientaddress: 'a client address is one series per client',
  ip: 'an IP address is one series per client',
  ipaddress: 'an IP address is one series per client',
  useragent: 'a user agent string has unbounded values',
  useragentoriginal: 'a user agent string has unbounded values',
  dbquerytext: 'query text has unbounded values',
  dbstatement: 'statement text has unbounded values',
  exceptionmessage: 'an error message has unbounded values; record error.type instead',
  exceptionstacktrace: 'a stack trace has unbounded values; record error.type instead',
  errormessage: 'an error message has unbounded values; record error.type instead',
};

const SENSITIVE = new Set(DEFAULT_SENSITIVE_KEYS.map(normalizeKey));
const SENSITIVE_PARTS = [
  'password',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'creditcard',
  'cardnumber',
];

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_. ]/g, '');
}

const cache = new Map<string, string | null>();
const MAX_CACHE = 4096;

/**
 * Why a key must not be a metric attribute, or `null` when it may be one. Decisions are cached: the same few keys
 * recur on every record.
 */
export function refusedKeyReason(key: string, allowed?: ReadonlySet<string>): string | null {
  if (allowed?.has(key)) return null;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const norm = normalizeKey(key);
  let reason: string | null = REFUSED_EXACT[norm] ?? null;
  if (reason === null && (SENSITIVE.has(norm) || SENSITIVE_PARTS.some((p) => norm.includes(p)))) {
    reason = 'the value is a secret or personal data';
  }
  if (reason === null && /(^|[a-z])email/.test(norm)) reason = 'an email address is personal data';
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(key, reason);
  return reason;
}
