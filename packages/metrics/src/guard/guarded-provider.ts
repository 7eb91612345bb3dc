import type {
  Attributes,
  BatchObservableCallback,
  Context,
  Counter,
  Gauge,
  Histogram,
  Meter,
  MeterOptions,
  MeterProvider,
  MetricOptions,
  Observable,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
  UpDownCounter,
} from '@opentelemetry/api';
import { type BoundMeasurement, bindMeasurement, type ValueRule } from '../internal/bound-measurement.js';
import { AttributeTrie } from './attribute-trie.js';
import { type GuardPolicy, isDeepFrozen, SeriesGuard } from './series-guard.js';

const kBind = Symbol('otelkit.metrics.bind');

const EMPTY: Attributes = Object.freeze({});

function frozenCopy(attributes: Attributes): Attributes {
  if (isDeepFrozen(attributes)) return attributes;
  const copy: Attributes = {};
  for (const k in attributes) {
    const v = attributes[k];
    copy[k] = Array.isArray(v) ? (Object.freeze([...v]) as typeof v) : v;
  }
  return Object.freeze(copy);
}

/**
 * A synchronous instrument whose attribute sets pass through a {@link SeriesGuard}. Each set the guard admits as it is
 * gets a {@link BoundMeasurement}, found again by the set's values (an {@link AttributeTrie}) or, for a frozen object
 * seen before, by identity: a known set is recorded without the guard's checks (admission is permanent) and without
 * the SDK's attribute hashing. Sets the guard changes (refused keys dropped, overflow) take the guard and SDK path on
 * every measurement, so the cache never holds more than the guard's limit.
 */
class GuardedInstrument {
  readonly #inner: Counter | UpDownCounter | Histogram | Gauge;
  readonly #measure: (value: number, attributes?: Attributes, context?: Context) => void;
  readonly #guard: SeriesGuard;
  readonly #rule: ValueRule;
  readonly #byValues = new AttributeTrie<BoundMeasurement>();
  readonly #byObject = new WeakMap<Attributes, BoundMeasurement>();
  #empty: BoundMeasurement | undefined;

  constructor(inner: Counter | UpDownCounter | Histogram | Gauge, guard: SeriesGuard, rule: ValueRule) {
    this.#inner = inner;
    this.#guard = guard;
    this.#rule = rule;
    const target = inner as { add?: GuardedInstrument['measure']; record?: GuardedInstrument['measure'] };
    const method = (typeof target.record === 'function' ? target.record : target.add) as GuardedInstrument['measure'];
    this.#measure = method.bind(inner);
  }

  measure(value: number, attributes?: Attributes, context?: Context): void {
    if (context !== undefined) {
      this.#measure(value, this.#guard.admit(attributes), context);
      return;
    }
    let bound: BoundMeasurement | undefined;
    if (attributes === undefined) {
      this.#empty ??= this.#bindAdmitted(EMPTY);
      bound = this.#empty;
    } else {
      bound = this.#byObject.get(attributes) ?? this.#byValues.get(attributes);
    }
    if (bound !== undefined) {
      bound.record(value);
      return;
    }
    const admitted = this.#guard.admit(attributes);
    if (admitted !== attributes || attributes === undefined) {
      this.#measure(value, admitted);
      return;
    }
    this.#cache(attributes).record(value);
  }

  /** A measurement bound to `attributes` as the guard admits them (the overflow set past the limit). */
  bind(attributes: Attributes): BoundMeasurement {
    const known = this.#byObject.get(attributes) ?? this.#byValues.get(attributes);
    if (known !== undefined) return known;
    const admitted = this.#guard.admit(attributes);
    if (admitted !== attributes) return this.#bindAdmitted(frozenCopy(admitted as Attributes));
    return this.#cache(attributes);
  }

  #cache(attributes: Attributes): BoundMeasurement {
    const bound = this.#bindAdmitted(frozenCopy(attributes));
    this.#byValues.set(attributes, bound);
    if (isDeepFrozen(attributes)) this.#byObject.set(attributes, bound);
    return bound;
  }

  #bindAdmitted(attributes: Attributes): BoundMeasurement {
    const measure = this.#measure;
    return bindMeasurement(this.#inner, attributes, this.#rule, (value) => measure(value, attributes));
  }
}

class GuardedAdd implements Counter, UpDownCounter {
  readonly #instrument: GuardedInstrument;
  constructor(instrument: GuardedInstrument) {
    this.#instrument = instrument;
  }
  add(value: number, attributes?: Attributes, context?: Context): void {
    this.#instrument.measure(value, attributes, context);
  }
  [kBind](attributes: Attributes): BoundMeasurement {
    return this.#instrument.bind(attributes);
  }
}

class GuardedRecord implements Histogram, Gauge {
  readonly #instrument: GuardedInstrument;
  constructor(instrument: GuardedInstrument) {
    this.#instrument = instrument;
  }
  record(value: number, attributes?: Attributes, context?: Context): void {
    this.#instrument.measure(value, attributes, context);
  }
  [kBind](attributes: Attributes): BoundMeasurement {
    return this.#instrument.bind(attributes);
  }
}

/**
 * Binds a frozen attribute set to a histogram (or gauge, counter, up-down counter) once, for callers that record the
 * same few sets over and over (the HTTP glue). Through a guarded meter the guard admits the set once; an SDK instrument
 * gets the SDK fast path; any other instrument is called as usual.
 */
export function bindInstrument(
  instrument: Histogram | Gauge | Counter | UpDownCounter,
  attributes: Attributes,
  rule: ValueRule,
): BoundMeasurement {
  const guarded = (instrument as { [kBind]?: (attributes: Attributes) => BoundMeasurement })[kBind];
  if (typeof guarded === 'function') return guarded.call(instrument, attributes);
  const target = instrument as {
    add?: (v: number, a: Attributes) => void;
    record?: (v: number, a: Attributes) => void;
  };
  const slow =
    typeof target.record === 'function'
      ? (value: number) => (target.record as (v: number, a: Attributes) => void).call(instrument, value, attributes)
      : (value: number) => (target.add as (v: number, a: Attributes) => void).call(instrument, value, attributes);
  return bindMeasurement(instrument, attributes, rule, slow);
}

/**
 * A meter whose synchronous instruments pass every attribute set through a {@link SeriesGuard}. Asynchronous
 * instruments go straight to the SDK: their series are bounded by the SDK's cumulative memo, which never forgets.
 */
class GuardedMeter implements Meter {
  readonly #inner: Meter;
  readonly #guards: Map<string, SeriesGuard>;
  readonly #policy: GuardPolicy;

  constructor(inner: Meter, guards: Map<string, SeriesGuard>, policy: GuardPolicy) {
    this.#inner = inner;
    this.#guards = guards;
    this.#policy = policy;
  }

  // One guard per instrument name per meter: creating the "same" instrument twice must not double its budget.
  #guard(name: string): SeriesGuard {
    const key = name.toLowerCase();
    let guard = this.#guards.get(key);
    if (guard === undefined) {
      guard = new SeriesGuard(name, this.#policy);
      this.#guards.set(key, guard);
    }
    return guard;
  }

  createGauge(name: string, options?: MetricOptions): Gauge {
    return new GuardedRecord(new GuardedInstrument(this.#inner.createGauge(name, options), this.#guard(name), 'any'));
  }
  createHistogram(name: string, options?: MetricOptions): Histogram {
    return new GuardedRecord(
      new GuardedInstrument(this.#inner.createHistogram(name, options), this.#guard(name), 'non-negative'),
    );
  }
  createCounter(name: string, options?: MetricOptions): Counter {
    return new GuardedAdd(
      new GuardedInstrument(this.#inner.createCounter(name, options), this.#guard(name), 'non-negative'),
    );
  }
  createUpDownCounter(name: string, options?: MetricOptions): UpDownCounter {
    return new GuardedAdd(
      new GuardedInstrument(this.#inner.createUpDownCounter(name, options), this.#guard(name), 'any'),
    );
  }
  createObservableGauge(name: string, options?: MetricOptions): ObservableGauge {
    return this.#inner.createObservableGauge(name, options);
  }
  createObservableCounter(name: string, options?: MetricOptions): ObservableCounter {
    return this.#inner.createObservableCounter(name, options);
  }
  createObservableUpDownCounter(name: string, options?: MetricOptions): ObservableUpDownCounter {
    return this.#inner.createObservableUpDownCounter(name, options);
  }
  addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    this.#inner.addBatchObservableCallback(callback, observables);
  }
  removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    this.#inner.removeBatchObservableCallback(callback, observables);
  }
}

/** A meter provider handing out guarded meters, one per scope (name, version, schema URL). */
export class GuardedMeterProvider implements MeterProvider {
  readonly #inner: MeterProvider;
  readonly #policy: GuardPolicy;
  readonly #meters = new Map<string, GuardedMeter>();
  readonly #guards = new Map<string, Map<string, SeriesGuard>>();

  constructor(inner: MeterProvider, policy: GuardPolicy) {
    this.#inner = inner;
    this.#policy = policy;
  }

  getMeter(name: string, version = '', options: MeterOptions = {}): Meter {
    const key = `${name}\0${version}\0${options.schemaUrl ?? ''}`;
    let meter = this.#meters.get(key);
    if (meter === undefined) {
      let guards = this.#guards.get(key);
      if (guards === undefined) {
        guards = new Map();
        this.#guards.set(key, guards);
      }
      meter = new GuardedMeter(this.#inner.getMeter(name, version, options), guards, this.#policy);
      this.#meters.set(key, meter);
    }
    return meter;
  }
}
