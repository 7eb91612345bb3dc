/** Finds secrets inside free text: card numbers, bearer tokens, JWTs, `key=value` pairs, and (PII) emails and IPs. */

// A whole run of digits with single separators; which part of it is a card number is decided by `redactCards`.
const CARD = /(?<![\d])\d(?:[ -]?\d){12,}(?![\d])/g;
const CARD_SEPARATOR = /[ -]/;
// The credential must not run on into more credential characters after its `=` padding: `token password=hunter2`
// is a key=value pair (redacted below), not the credential `password=` followed by a visible `hunter2`.
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9\-._~+/]+=*(?![A-Za-z0-9\-._~+/=])/gi;
// What follows an auth scheme is a credential only if it looks like one: 8+ characters with a digit, a symbol or
// mixed case. `Basic validation failed` and `the token expired` are prose.
const CREDENTIAL_SHAPE = /\d|[-._~+/=]|[a-z].*[A-Z]|[A-Z].*[a-z]/;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
// `(?=(…))\1` is an atomic group: the key is matched once per word start, never re-tried at shorter lengths.
// Only the key and separator are matched here: the value is taken (by VALUE) only when the key is sensitive, so a
// non-sensitive pair never swallows a sensitive one inside its value (`failed: password=hunter2`, `url: …?token=…`).
// Quotes may be escaped (`{\"password\":\"x\"}`: JSON inside a JSON string, such as an error message that quotes a
// response body), so a closing quote may follow backslashes.
const KEY_SEP = /(?<![A-Za-z0-9_.-])(?=([A-Za-z0-9_.-]{1,64}))\1(?:\\*["'])?\s*[=:]\s*/g;
// A value: a JSON string encoded twice (`\"a\\\"b\"`), a quoted string with backslash escapes, or a bare word.
const VALUE = /\\"(?:[^"\\\n]|\\\\(?:\\\\|\\"|[^"\\\n]))*\\"|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[^\s&,;}\]"']+/y;
const OPENING_QUOTE = /^\\*["']/;
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/g;
const IPV4 = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\d.])/g;
const IPV6 =
  /(?<![\w:.])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)(?![\w:])/gi;

/** Letters, digits, `_`, `-`, `.` and quotes: what can end a key before `=` or `:`. */
function isKeyChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 34 || c === 39;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A payment card number: 13–19 digits, a major-industry digit of 2–6 (Mastercard 2-series, Amex/Diners/JCB, Visa,
 * Mastercard, Discover/UnionPay) and a valid Luhn check. Millisecond timestamps (`17…`) and most ids fail the first
 * digit before the checksum is even computed.
 */
function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first = digits.charCodeAt(0);
  return first >= 50 && first <= 54 && luhnValid(digits);
}

/**
 * Redacts the card numbers in one run of digits and separators. Usually the run is the card (`4111 1111 1111 1111`);
 * when it is not a Luhn-valid 13–19 digit number, a card may still sit inside it next to other numbers
 * (`2025-10-11 4111 1111 1111 1111`, `qty 2 4111111111111111`), so windows of whole groups are tried too: groups of
 * 3 or more digits, the last one possibly shorter (a 13-digit card printed 4-4-4-1). A single group of digits (an id, a timestamp) is never cut.
 */
function redactCards(run: string, censor: string): string {
  const digits = run.replace(/[ -]/g, '');
  if (isCardNumber(digits)) return censor;
  const parts = run.split(CARD_SEPARATOR);
  if (parts.length === 1) return run;
  let out = '';
  let pos = 0; // offset of parts[i] in run
  let i = 0;
  while (i < parts.length) {
    let end = -1;
    let candidate = '';
    for (let j = i; j < parts.length; j++) {
      const group = parts[j] as string;
      if (j === i && group.length < 3) break; // a card starts with a full group
      candidate += group;
      if (candidate.length > 19) break;
      if (isCardNumber(candidate)) end = j;
      if (group.length < 3) break; // and only its last group may be short (4-4-4-1, 4-4-4-4-3)
    }
    let next = pos;
    const last = end === -1 ? i : end;
    for (let j = i; j <= last; j++) next += (parts[j] as string).length + 1;
    // `next - 1` is the separator after the last group taken (or the end of the run).
    out += end === -1 ? run.slice(pos, Math.min(next, run.length)) : censor + run.slice(next - 1, next);
    pos = next;
    i = last + 1;
  }
  return out;
}

export type ValueScanner = (value: string) => string;

/**
 * Builds the string scanner. One pass over the characters decides which patterns can match at all, so a string with
 * nothing suspicious costs a loop and no regular expression.
 */
export function createValueScanner(
  isSensitiveKey: (key: string) => boolean,
  pii: boolean,
  censor: string,
): ValueScanner {
  const replaceKeyValues = (value: string): string => {
    let out = '';
    let last = 0;
    KEY_SEP.lastIndex = 0;
    for (let m = KEY_SEP.exec(value); m !== null; m = KEY_SEP.exec(value)) {
      // Not sensitive: scanning goes on right after the separator, inside the value.
      if (!isSensitiveKey(m[1] as string)) continue;
      const start = KEY_SEP.lastIndex;
      if (censor !== '' && value.startsWith(censor, start)) continue; // already redacted (a JWT, a bearer token)
      VALUE.lastIndex = start;
      const v = VALUE.exec(value);
      if (v === null) continue;
      const quote = OPENING_QUOTE.exec(v[0])?.[0] ?? '';
      out += `${value.slice(last, start)}${quote}${censor}${quote}`;
      last = start + v[0].length;
      KEY_SEP.lastIndex = last;
    }
    return last === 0 ? value : out + value.slice(last);
  };
  const replaceCard = (match: string): string => redactCards(match, censor);
  const replaceCredential = (match: string, scheme: string): string => {
    const credential = match.slice(match.search(/\s/)).trim();
    if (credential.length < 8 || !CREDENTIAL_SHAPE.test(credential)) return match;
    return `${scheme} ${censor}`;
  };
  const replaceIpv6 = (match: string): string => {
    if (match === '::' || !/\d/.test(match) || match.length < 3) return match;
    return censor;
  };

  return (value: string): string => {
    const len = value.length;
    if (len < 5) return value;
    let digitRun = 0;
    let maxDigitRun = 0;
    let at = false;
    let keyValue = false;
    let space = false;
    let colons = 0;
    let digitDots = 0;
    let prev = 0;
    for (let i = 0; i < len; i++) {
      const c = value.charCodeAt(i);
      if (c >= 65) {
        // letters and most of ASCII above them: the common case, kept to two comparisons
        if (c === 95 || (c >= 97 && c <= 122) || c <= 90) {
          if (digitRun !== 0) {
            if (digitRun > maxDigitRun) maxDigitRun = digitRun;
            digitRun = 0;
          }
          prev = c;
          continue;
        }
      } else if (c >= 48 && c <= 57) {
        digitRun++;
        if (prev === 46) digitDots++;
        prev = c;
        continue;
      } else if (c === 32) {
        space = true;
        continue; // `key = value`: the separator check looks through spaces
      } else if (c === 45 && prev >= 48 && prev <= 57) {
        prev = c;
        continue; // a dash inside a card number keeps the run going
      }
      if (digitRun > maxDigitRun) maxDigitRun = digitRun;
      digitRun = 0;
      if (c === 64) at = true;
      else if (c === 58) {
        colons++;
        if (isKeyChar(prev)) keyValue = true;
      } else if (c === 61 && (isKeyChar(prev) || (prev >= 48 && prev <= 57))) keyValue = true;
      prev = c;
    }
    if (digitRun > maxDigitRun) maxDigitRun = digitRun;

    let out = value;
    if (maxDigitRun >= 13) out = out.replace(CARD, replaceCard);
    if (out.indexOf('eyJ') !== -1) out = out.replace(JWT, censor);
    if (space && /bearer|basic|digest|token/i.test(out)) out = out.replace(AUTH_SCHEME, replaceCredential);
    if (keyValue) out = replaceKeyValues(out);
    if (pii) {
      if (at) out = out.replace(EMAIL, censor);
      if (digitDots >= 3) out = out.replace(IPV4, censor);
      if (colons >= 7 || (colons >= 2 && out.indexOf('::') !== -1)) out = out.replace(IPV6, replaceIpv6);
    }
    return out;
  };
}
