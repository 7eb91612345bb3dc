/** Whether a digit string passes the Luhn checksum card numbers carry. */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
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

/** The card network from the number's prefix (enough for a demo). */
export function cardBrand(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  return 'unknown';
}

/** The only form in which a card number may be logged: `**** **** **** 4242`. */
export function maskCardNumber(digits: string | undefined): string | undefined {
  if (!digits) return undefined;
  return `**** **** **** ${digits.slice(-4)}`;
}
