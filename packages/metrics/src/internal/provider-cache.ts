import { type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import { SCOPE_NAME, SCOPE_VERSION } from './version.js';

/**
 * Instruments bound lazily to a meter provider: the explicit one when given, otherwise the global one as it is now.
 * The OpenTelemetry metrics API has no proxy provider, so instruments created before `startMetrics()` registers the
 * global provider would stay no-ops forever; re-binding when the global provider changes avoids that. The check is
 * one identity comparison per use.
 */
export class ProviderCache<T> {
  #provider: MeterProvider | undefined;
  #value: T | undefined;
  readonly #create: (meter: Meter, provider: MeterProvider) => T;
  readonly #explicit: MeterProvider | undefined;

  constructor(create: (meter: Meter, provider: MeterProvider) => T, explicit?: MeterProvider) {
    this.#create = create;
    this.#explicit = explicit;
  }

  get(): T {
    const provider = this.#explicit ?? metrics.getMeterProvider();
    if (provider !== this.#provider || this.#value === undefined) {
      this.#provider = provider;
      this.#value = this.#create(provider.getMeter(SCOPE_NAME, SCOPE_VERSION), provider);
    }
    return this.#value;
  }
}
