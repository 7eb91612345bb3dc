/** A charge's final outcome at the processor. */
export type ChargeOutcome =
  | { kind: 'charged'; id: string; amountMinor: number; currency: string; last4?: string; createdAt: string }
  | { kind: 'declined'; declineCode: string; message: string };

/** One idempotency key at the processor. */
export interface LedgerEntry {
  hash: string;
  requests: number;
  /** Outcomes that cost money or were final; a failure before the charge leaves no outcome. */
  outcome?: Promise<ChargeOutcome>;
  charges: number;
}

/** Counts per idempotency key, for tests and the demo's "exactly once" check. */
export interface KeyStats {
  requests: number;
  charges: number;
}

/**
 * The processor's own idempotency, as real processors have: a key replays its first outcome (even while that is
 * still being decided), so a client that retries after a timeout never pays twice. Bounded: oldest keys evicted.
 */
export class ChargeLedger {
  readonly #entries = new Map<string, LedgerEntry>();
  readonly #maxKeys: number;
  #charges = 0;
  #requests = 0;

  constructor(maxKeys = 100_000) {
    this.#maxKeys = maxKeys;
  }

  /** Records a request; returns 'mismatch' when the key was used with a different body. */
  track(key: string, hash: string): LedgerEntry | 'mismatch' {
    this.#requests++;
    let entry = this.#entries.get(key);
    if (entry && entry.hash !== hash) {
      entry.requests++;
      return 'mismatch';
    }
    if (!entry) {
      entry = { hash, requests: 0, charges: 0 };
      this.#entries.set(key, entry);
      if (this.#entries.size > this.#maxKeys) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
    }
    entry.requests++;
    return entry;
  }

  /** The outcome for the key: the existing one, or `decide()` run exactly once. */
  outcome(entry: LedgerEntry, decide: () => Promise<ChargeOutcome>): Promise<ChargeOutcome> {
    if (!entry.outcome) {
      entry.outcome = decide().then(
        (outcome) => {
          if (outcome.kind === 'charged') {
            entry.charges++;
            this.#charges++;
          }
          return outcome;
        },
        (error: unknown) => {
          entry.outcome = undefined;
          throw error;
        },
      );
    }
    return entry.outcome;
  }

  stats(key: string): KeyStats {
    const entry = this.#entries.get(key);
    return { requests: entry?.requests ?? 0, charges: entry?.charges ?? 0 };
  }

  totals(): { requests: number; charges: number; keys: number } {
    return { requests: this.#requests, charges: this.#charges, keys: this.#entries.size };
  }

  reset(): void {
    this.#entries.clear();
    this.#charges = 0;
    this.#requests = 0;
  }
}
