/** Finds secrets inside free text: card numbers, bearer tokens, JWTs, `key=value` pairs, and (PII) emails and IPs. */

const CARD = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
// `(?=(…))\1` is an atomic group: key and value are matched once, never re-tried at shorter lengths. A value runs
// to a delimiter (may hold `:` and trailing `=` padding); one that runs into `=` or ends in `:` is really the next
// key (`card: password=x`), so that pair is skipped and the next one tried.
const KEY_VALUE =
  /(?<![A-Za-z0-9_.-])(?=([A-Za-z0-9_.-]{1,64}))\1(["']?\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|(?=([^\s&,;}\]"'=]*[^\s&,;}\]"'=:]=*))\4(?![^\s&,;}\]"']))/g;
/(?<![A-Za-z0-9_.-])(?=([A-Za-z0-9_.-]{1,64}))\1(["']?\s*[=:]\s*)("[^"\n]*"|'[^'\n]*'|[^\s&,;}\]"']+)/g;
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
  const replaceKeyValue = (match: string, key: string, sep: string, value: string): string => {
    if (!isSensitiveKey(key)) return match;
    const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
    return `${key}${sep}${quote}${censor}${quote}`;
  };
  const replaceCard = (match: string): string => {
    const digits = match.replace(/[ -]/g, '');
    return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? censor : match;
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
    if (space && /bearer|basic|digest|token/i.test(out)) out = out.replace(AUTH_SCHEME, `$1 ${censor}`);
    if (keyValue) out = out.replace(KEY_VALUE, replaceKeyValue);
    if (pii) {
      if (at) out = out.replace(EMAIL, censor);
      if (digitDots >= 3) out = out.replace(IPV4, censor);
      if (colons >= 7 || (colons >= 2 && out.indexOf('::') !== -1)) out = out.replace(IPV6, replaceIpv6);
    }
    return out;
  };
}
