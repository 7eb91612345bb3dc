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
import { type GuardPolicy, SeriesGuard } from './series-guard.js';

class GuardedAdd implements Counter, UpDownCounter {
  readonly #inner: Counter | UpDownCounter;
  readonly #guard: SeriesGuard;
  constructor(inner: Counter | UpDownCounter, guard: SeriesGuard) {
    this.#inner = inner;
    this.#guard = guard;
  }
  add(value: number, attributes?: Attributes, context?: Context): void {
    this.#inner.add(value, this.#guard.admit(attributes), context);
  }
}

class GuardedRecord implements Histogram, Gauge {
  readonly #inner: Histogram | Gauge;
  readonly #guard: SeriesGuard;
  constructor(inner: Histogram | Gauge, guard: SeriesGuard) {
    this.#inner = inner;
    this.#guard = guard;
  }
  record(value: number, attributes?: Attributes, context?: Context): void {
    this.#inner.record(value, this.#guard.admit(attributes), context);
  }
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
    return new GuardedRecord(this.#inner.createGauge(name, options), this.#guard(name));
  }
  createHistogram(name: string, options?: MetricOptions): Histogram {
    return new GuardedRecord(this.#inner.createHistogram(name, options), this.#guard(name));
  }
  createCounter(name: string, options?: MetricOptions): Counter {
    return new GuardedAdd(this.#inner.createCounter(name, options), this.#guard(name));
  }
  createUpDownCounter(name: string, options?: MetricOptions): UpDownCounter {
    return new GuardedAdd(this.#inner.createUpDownCounter(name, options), this.#guard(name));
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
