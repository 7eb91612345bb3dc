import type { Attributes } from '@opentelemetry/api';
import { warnOnce } from '@otelkit/core';
import { ATTR_OTEL_METRIC_OVERFLOW } from '../internal/semconv.js';
import { refusedKeyReason } from './attribute-keys.js';
import { AttributeTrie } from './attribute-trie.js';

/** The attribute set every measurement past the series limit is recorded with (OpenTelemetry SDK specification). */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ [ATTR_OTEL_METRIC_OVERFLOW]: true });

/** What a guard enforces; shared by every instrument of one started provider. */
export interface GuardPolicy {
  /** Series per instrument, the overflow series included. */
  cardinalityLimit: number;
  /** Keys the user explicitly allowed despite the refused-key rules. */
  allowedKeys: ReadonlySet<string>;
}

/** Whether an attribute set can never change: frozen, and so are its array values. */
export function isDeepFrozen(attributes: Attributes): boolean {
  if (!Object.isFrozen(attributes)) return false;
  for (const k in attributes) {
    const v = attributes[k];
    if (Array.isArray(v) && !Object.isFrozen(v)) return false;
  }
  return true;
}

/**
 * Keeps one synchronous instrument within its series limit for the lifetime of the process. The SDK's own
 * `cardinalityLimit` only bounds one collection cycle: with cumulative temporality (what Prometheus needs) the set of
 * series it remembers grows by up to the limit every cycle. This guard remembers the admitted attribute sets (at most
 * `limit - 1` keys) and maps every new set past that to `otel.metric.overflow=true`, once warned.
 */
export class SeriesGuard {
  /** Admitted attribute sets (at most `limit - 1`), in the caller's key order. */
  readonly #admitted = new AttributeTrie<true>();
  #count = 0;
  readonly #admittedObjects = new WeakSet<Attributes>();
  readonly #instrument: string;
  readonly #policy: GuardPolicy;

  constructor(instrument: string, policy: GuardPolicy) {
    this.#instrument = instrument;
    this.#policy = policy;
  }

  /** The attributes to record with: the same object, a copy without refused keys, or the overflow set. */
  admit(attributes: Attributes | undefined): Attributes | undefined {
    if (attributes === undefined) return undefined;
    // A frozen object seen before cannot have changed: skip the key work (the HTTP glue reuses frozen sets).
    if (this.#admittedObjects.has(attributes)) return attributes;
    // Hot path: a series seen before. Admitted sets never contain a refused attribute key, so no check.
    if (this.#admitted.get(attributes) === true) return attributes;
    let attrs = attributes;
    for (const k in attributes) {
      if (refusedKeyReason(k, this.#policy.allowedKeys) !== null) {
        attrs = this.#withoutRefused(attributes);
        break;
      }
    }
    if (attrs === attributes || this.#admitted.get(attrs) !== true) {
      if (this.#count >= this.#policy.cardinalityLimit - 1) {
        warnOnce(
          `metrics.cardinality.${this.#instrument}`,
          `metric "${this.#instrument}" reached its limit of ${this.#policy.cardinalityLimit} series; new attribute sets are recorded as otel.metric.overflow=true`,
          { metric: this.#instrument, cardinalityLimit: this.#policy.cardinalityLimit },
        );
        return OVERFLOW_ATTRIBUTES;
      }
      this.#admitted.set(attrs, true);
      this.#count++;
    }
    if (attrs === attributes && isDeepFrozen(attributes)) this.#admittedObjects.add(attributes);
    return attrs;
  }

  #withoutRefused(attributes: Attributes): Attributes {
    const out: Attributes = {};
    for (const k in attributes) {
      const reason = refusedKeyReason(k, this.#policy.allowedKeys);
      if (reason === null) out[k] = attributes[k];
      else {
        warnOnce(
          `metrics.refused-attribute.${this.#instrument}.${k}`,
          `attribute "${k}" dropped from metric "${this.#instrument}": ${reason}`,
          { metric: this.#instrument, attribute: k },
        );
      }
    }
    return out;
  }
}
