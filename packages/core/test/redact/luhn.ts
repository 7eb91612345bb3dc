/** The Luhn check digit that makes `body + digit` valid. */
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  let double = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A Luhn-valid number of `length` digits starting with `prefix`, filled from `fill`. */
export function luhnValidNumber(length: number, prefix = '4', fill = '1234567890'): string {
  let body = prefix;
  for (let i = 0; body.length < length - 1; i++) body += fill[i % fill.length];
  return body + luhnCheckDigit(body);
}

/** The same number with its last digit changed: Luhn-invalid. */
export function luhnInvalid(valid: string): string {
  const last = Number(valid.at(-1));
  return valid.slice(0, -1) + String((last + 1) % 10);
}
