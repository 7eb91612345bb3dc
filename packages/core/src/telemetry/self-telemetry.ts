import { lazyGlobalSlot } from '../internal/global-slot.js';

/** The signals whose losses otelkit counts. */
export type TelemetrySignal = 'spans' | 'logs' | 'metrics' | 'events';

/** How much of one signal was lost, and why (`queue_full`, `export_failed`, `shutdown`, …). */
export interface DropCount {
  signal: TelemetrySignal;
  reason: string;
  count: number;
}

interface Counters {
  drops: Map<string, DropCount>;
}

const counters: () => Counters = lazyGlobalSlot('self-telemetry', () => ({ drops: new Map() }));

/**
 * Counts telemetry that otelkit had to drop. Every package reports through here, so the metrics package can publish
 * one `otelkit.telemetry.dropped` counter for all of them without importing them.
 */
export function recordDropped(signal: TelemetrySignal, count: number, reason: string): void {
  if (!(count > 0)) return;
  const key = `${signal}\0${reason}`;
  const drops = counters().drops;
  const entry = drops.get(key);
  if (entry) entry.count += count;
  else drops.set(key, { signal, reason, count });
}

/** A snapshot of everything dropped so far in this process, per signal and reason. */
export function droppedTelemetry(): DropCount[] {
  return [...counters().drops.values()].map((d) => ({ ...d }));
}
