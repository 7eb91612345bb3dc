// Summary statistics shared by the benchmarks: medians over rounds and how sure they are.

const sorted = (xs) => [...xs].sort((a, b) => a - b);

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs) {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * A distribution-free confidence interval for the median: the order statistics x(k), x(n+1-k) with the largest k for
 * which P(Binomial(n, 1/2) < k) <= (1 - level) / 2. Returns the min-max for fewer than 6 samples (no such k).
 */
export function medianCi(xs, level = 0.95) {
  const s = sorted(xs);
  const n = s.length;
  let k = 0;
  let below = 0; // P(B < k+1), accumulated
  let c = 1; // C(n, i)
  for (let i = 0; i < n; i++) {
    below += c / 2 ** n;
    if (below > (1 - level) / 2) break;
    k = i + 1;
    c = (c * (n - i)) / (i + 1);
  }
  return k === 0 ? [s[0], s[n - 1]] : [s[k - 1], s[n - k]];
}

/** The `q`-quantile of `xs` (0 ≤ q ≤ 1), as the sample at rank ⌊q·n⌋ (the largest for q = 1). */
export function quantile(xs, q) {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** The arithmetic mean of `xs`. */
export function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
