import type { ChargeRequest } from './charge-request.js';

/** What a release of payment-api ships. 2.0.1 adds processing fees — with the bug the deploy-regression scenario
 * exists to show. */
export interface ReleaseFeatures {
  processingFees: boolean;
}

function parseVersion(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version
    .replace(/^v/, '')
    .split(/[.+-]/)
    .map((p) => Number.parseInt(p, 10) || 0);
  return [major, minor, patch];
}

/** The features of a service version (`2.0.0` has none, `2.0.1` and later have processing fees). */
export function featuresFor(version: string | undefined): ReleaseFeatures {
  if (!version) return { processingFees: false };
  const [major, minor, patch] = parseVersion(version);
  const atLeast201 = major > 2 || (major === 2 && (minor > 0 || patch >= 1));
  return { processingFees: atLeast201 };
}

// Basis points per currency. The 2.0.1 release shipped without the EUR row: every EUR charge fails.
const FEE_SCHEDULE: Partial<Record<string, { basisPoints: number; fixedMinor: number }>> = {
  USD: { basisPoints: 290, fixedMinor: 30 },
  GBP: { basisPoints: 250, fixedMinor: 20 },
};

/** The processing fee of a charge, in minor units (2.0.1+). */
export function processingFeeMinor(request: ChargeRequest): number {
  // The bug the deploy-regression scenario shows: no EUR row, so this reads `basisPoints` of undefined.
  const schedule = FEE_SCHEDULE[request.currency]!;
  return Math.round((request.amountMinor * schedule.basisPoints) / 10_000) + schedule.fixedMinor;
}
