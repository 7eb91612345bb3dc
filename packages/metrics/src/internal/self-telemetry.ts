import type { MeterProvider } from '@opentelemetry/api';
import { droppedTelemetry } from '@otelkit/core';
import { SCOPE_NAME, SCOPE_VERSION } from './version.js';

/** The counter of telemetry otelkit had to drop, from every package that reports through core. */
export const METRIC_TELEMETRY_DROPPED = 'otelkit.telemetry.dropped';

/**
 * Publishes core's drop counts (spans, logs, metrics, events, by reason) as the observable counter
 * `otelkit.telemetry.dropped` with `signal` and `reason`. Tracing and logging report their drops to core, so this
 * works whichever of them is installed, without importing them. Returns a function that stops publishing.
 */
export function startSelfTelemetry(provider: MeterProvider): () => void {
  const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);
  const dropped = meter.createObservableCounter(METRIC_TELEMETRY_DROPPED, {
    description: 'Telemetry items otelkit dropped (queue full, export failed, shutdown, ...), by signal and reason.',
    unit: '{item}',
  });
  const observe = (result: { observe(value: number, attributes: Record<string, string>): void }): void => {
    for (const d of droppedTelemetry()) result.observe(d.count, { signal: d.signal, reason: d.reason });
  };
  dropped.addCallback(observe);
  return () => dropped.removeCallback(observe);
}
