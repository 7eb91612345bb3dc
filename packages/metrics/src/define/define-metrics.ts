import type { Attributes, AttributeValue, Meter, MeterProvider } from '@opentelemetry/api';
import { ConfigError, warnOnce } from '@otelkit/core';
import { ProviderCache } from '../internal/provider-cache.js';
import { checkDefinition, type MetricKind } from './naming-rules.js';

/**
 * One business metric: its kind, OpenTelemetry name, unit, and the attribute keys it may carry. Names and units are
 * checked by {@link defineMetrics} against the OpenTelemetry and Prometheus naming rules.
 */
export interface MetricSpec<K extends string = string> {
  /** `counter` (only goes up), `updowncounter`, `histogram` (a distribution), or `gauge` (a current value). */
  kind: MetricKind;
  /** Lower-case words joined by `.` or `_`, without unit or type words: `payments`, `checkout.cart.items`. */
  name: string;
  /** A base UCUM unit (`s`, `By`, `1`) or an annotation (`{payment}`, `{USD}`). */
  unit: string;
  description?: string;
  /** The only attribute keys a measurement may carry; others are dropped with one warning. */
  attributes?: readonly K[];
  /** Histogram bucket boundaries. @defaultValue the SDK's default boundaries */
  buckets?: readonly number[];
}

type KeysOf<S> = S extends { attributes: readonly (infer K)[] } ? K & string : never;
/** The attributes a metric of spec `S` accepts. */
export type MetricAttributes<S> = Partial<Record<KeysOf<S>, AttributeValue>>;

/** A counter or up-down counter from {@link defineMetrics}. */
export interface DefinedCounter<A> {
  add(value: number, attributes?: A): void;
}
/** A histogram or gauge from {@link defineMetrics}. */
export interface DefinedRecorder<A> {
  record(value: number, attributes?: A): void;
}
/** The instruments of a definition, keyed as in the specification. */
export type DefinedMetrics<T extends Record<string, MetricSpec>> = {
  readonly [P in keyof T]: T[P]['kind'] extends 'counter' | 'updowncounter'
    ? DefinedCounter<MetricAttributes<T[P]>>
    : DefinedRecorder<MetricAttributes<T[P]>>;
};

/** Options of {@link defineMetrics}. */
export interface DefineMetricsOptions {
  /**
   * Attribute keys to accept even though the refused-key rules match them (e.g. a bounded `merchant.id`).
   * @defaultValue none
   */
  allowAttributeKeys?: readonly string[];
  /**
   * The meter provider to record with.
   * @defaultValue the global provider (the one `startMetrics()` registered), looked up on use
   */
  meterProvider?: MeterProvider;
  /**
   * The instrumentation scope (meter name) of these metrics.
   * @defaultValue `'@otelkit/metrics'`
   */
  meterName?: string;
}

type Sink = (value: number, attributes?: Attributes) => void;

function create(meter: Meter, spec: MetricSpec): Sink {
  const options = {
    unit: spec.unit,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.buckets !== undefined ? { advice: { explicitBucketBoundaries: [...spec.buckets] } } : {}),
  };
  switch (spec.kind) {
    case 'counter': {
      const c = meter.createCounter(spec.name, options);
      return (v, a) => c.add(v, a);
    }
    case 'updowncounter': {
      const c = meter.createUpDownCounter(spec.name, options);
      return (v, a) => c.add(v, a);
    }
    case 'histogram': {
      const h = meter.createHistogram(spec.name, options);
      return (v, a) => h.record(v, a);
    }
    default: {
      const g = meter.createGauge(spec.name, options);
      return (v, a) => g.record(v, a);
    }
  }
}

/**
 * Defines typed business metrics. Every name, unit, attribute key and bucket list is checked here, and all problems
 * are thrown together as one `ConfigError` (from `@otelkit/core`), so a bad name fails at start, not in production.
 * Instruments bind to the global meter provider when first used, so a definition can live at module top level and be
 * used after `startMetrics()`. At run time nothing throws: undeclared attribute keys are dropped with one warning,
 * and each metric stays within the series limit of `startMetrics()`.
 *
 * @example
 * ```ts
 * const business = defineMetrics({
 *   payments: { kind: 'counter', name: 'payments', unit: '{payment}', attributes: ['outcome', 'payment.method'] },
 *   amount: { kind: 'histogram', name: 'payment.amount', unit: '{USD}', buckets: [1, 10, 100, 1000] },
 * });
 * business.payments.add(1, { outcome: 'success', 'payment.method': 'card' });
 * ```
 */
export function defineMetrics<const T extends Record<string, MetricSpec>>(
  spec: T,
  options: DefineMetricsOptions = {},
): DefinedMetrics<T> {
  const allowed = new Set(options.allowAttributeKeys ?? []);
  const problems = checkDefinition(spec, allowed);
  if (problems.length > 0) throw new ConfigError(problems);
  const meterName = options.meterName;
  const out: Record<string, DefinedCounter<Attributes> | DefinedRecorder<Attributes>> = {};
  for (const [key, metric] of Object.entries(spec)) {
    const declared = new Set<string>(metric.attributes ?? []);
    const sink = new ProviderCache(
      (meter, provider) => create(meterName === undefined ? meter : provider.getMeter(meterName), metric),
      options.meterProvider,
    );
    const record = (value: number, attributes?: Attributes): void => {
      try {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          warnOnce(`metrics.define.value.${metric.name}`, `metric "${metric.name}" got a non-finite value; dropped`, {
            metric: metric.name,
          });
          return;
        }
        let attrs = attributes;
        if (attributes !== undefined) {
          for (const k in attributes) {
            if (!declared.has(k)) {
              attrs = {};
              for (const k2 in attributes) {
                if (declared.has(k2)) attrs[k2] = attributes[k2];
                else {
                  warnOnce(
                    `metrics.define.undeclared.${metric.name}.${k2}`,
                    `attribute "${k2}" is not declared for metric "${metric.name}"; dropped`,
                    { metric: metric.name, attribute: k2, declared: [...declared] },
                  );
                }
              }
              break;
            }
          }
        }
        sink.get()(value, attrs);
      } catch (error) {
        warnOnce(`metrics.define.record.${metric.name}`, `recording metric "${metric.name}" failed`, {
          error: String(error),
        });
      }
    };
    out[key] = metric.kind === 'counter' || metric.kind === 'updowncounter' ? { add: record } : { record };
  }
  return out as DefinedMetrics<T>;
}
