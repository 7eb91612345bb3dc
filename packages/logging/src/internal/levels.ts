import type { LogLevelName, LogLevelSpec } from '@otelkit/core';

/** pino's level numbers. */
export const LEVEL_VALUES: Readonly<Record<LogLevelName, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

export const DEBUG = 20;

const LABELS = new Map<number, LogLevelName>(
  (Object.entries(LEVEL_VALUES) as [LogLevelName, number][]).map(([label, value]) => [value, label]),
);

export function levelLabel(value: number): LogLevelName {
  return LABELS.get(value) ?? 'info';
}

export function isLevelName(value: unknown): value is LogLevelName {
  return typeof value === 'string' && Object.hasOwn(LEVEL_VALUES, value);
}

/** The spec's level for a logger name: the exact name, then its dotted parents (`payment.db` → `payment`). */
export function levelForName(spec: LogLevelSpec, name: string | undefined): LogLevelName | undefined {
  if (name === undefined) return undefined;
  let n = name;
  for (;;) {
    const found = spec.overrides[n];
    if (found !== undefined) return found;
    const dot = n.lastIndexOf('.');
    if (dot <= 0) return undefined;
    n = n.slice(0, dot);
  }
}

const TWO_POW_56 = 2 ** 56;

/**
 * Whether a trace falls in the debug sample: its low 56 bits (the part W3C Trace Context level 2 makes random) read
 * as a number below `ratio × 2^56`. Every service that applies the same ratio to the same trace id agrees.
 */
export function traceInDebugSample(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  const low = Number.parseInt(traceId.slice(-14), 16);
  return Number.isFinite(low) && low < ratio * TWO_POW_56;
}
