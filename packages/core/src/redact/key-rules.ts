/** Sensitive keys, matched case-insensitively with `-`, `_`, `.` and spaces ignored (`X-Api-Key` is `xapikey`). */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'api_key',
  'apikey',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'session',
  'private_key',
  'credit_card',
  'card_number',
  'pan',
  'cvv',
  'cvc',
  'ssn',
];

/**
 * Substrings that make a compound key sensitive, as Sentry's server-side scrubber does: `db_password`,
 * `client_secret`, `sessionToken`, `x-api-key`. Short keys such as `pan` or `ssn` match exactly only, so `company`
 * and `span_id` stay readable.
 */
const SENSITIVE_SUBSTRINGS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'privatekey',
  'creditcard',
  'cardnumber',
  'credential',
];

export function normalizeKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 45 || c === 95 || c === 46 || c === 32) continue; // - _ . space
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : key[i];
  }
  return out;
}

const MAX_CACHE = 10_000;

/** Decides whether a key is sensitive; decisions are cached because the same few keys recur in every record. */
export function createKeyMatcher(
  extra: ReadonlyArray<string | RegExp>,
  defaults: readonly string[],
): (key: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const k of [...defaults, ...extra]) {
    if (typeof k === 'string') exact.add(normalizeKey(k));
    else patterns.push(k);
  }
  const substrings =
    defaults === DEFAULT_SENSITIVE_KEYS ? SENSITIVE_SUBSTRINGS : SENSITIVE_SUBSTRINGS.filter((s) => exact.has(s));
  const cache = new Map<string, boolean>();
  return (key: string): boolean => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const n = normalizeKey(key);
    let sensitive = exact.has(n);
    if (!sensitive)
      for (const s of substrings)
        if (n.includes(s)) {
          sensitive = true;
          break;
        }
    if (!sensitive)
      for (const p of patterns) {
        p.lastIndex = 0;
        if (p.test(key)) {
          sensitive = true;
          break;
        }
      }
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(key, sensitive);
    return sensitive;
  };
}
