import { lazyGlobalSlot } from '../internal/global-slot.js';
import { safeString } from '../internal/safe.js';
import { createRedactor, type Redactor } from '../redact/redactor.js';

/** Where otelkit writes its own warnings: one JSON line in the core schema. Replaceable for tests and hosts. */
export type WarningSink = (line: string) => void;

interface WarningState {
  last: Map<string, { at: number; suppressed: number }>;
  sink: WarningSink;
}

const DEFAULT_INTERVAL_MS = 60_000;

// Warnings quote what failed (an exporter's error, its URL, its headers), so they are redacted like any record. PII
// stays: the address of an unreachable collector is what the reader needs.
let redactor: Redactor | undefined;
const warningRedactor = (): Redactor => {
  redactor ??= createRedactor({ pii: false });
  return redactor;
};
const MAX_KEYS = 1000;

const state: () => WarningState = lazyGlobalSlot('internal-warnings', () => ({
  last: new Map(),
  sink: (line: string) => {
    try {
      process.stderr.write(`${line}\n`);
    } catch {
      /* stderr closed: nothing else to do */
    }
  },
}));

/** Replaces the sink of otelkit's own warnings (stderr by default). Returns the previous sink. */
export function setWarningSink(sink: WarningSink): WarningSink {
  const s = state();
  const previous = s.sink;
  s.sink = sink;
  return previous;
}

/**
 * Reports a problem inside otelkit itself (an exporter failing, telemetry dropped) as one WARN record of the core
 * schema — at most once per `key` and interval, with the number of repeats suppressed since the last report. Never
 * throws: instrumentation trouble must not reach the user's request.
 */
export function warnOnce(
  key: string,
  message: string,
  context: Record<string, unknown> = {},
  intervalMs: number = DEFAULT_INTERVAL_MS,
): boolean {
  try {
    const s = state();
    const now = Date.now();
    const seen = s.last.get(key);
    if (seen && now - seen.at < intervalMs) {
      seen.suppressed++;
      return false;
    }
    if (s.last.size >= MAX_KEYS) s.last.clear();
    s.last.set(key, { at: now, suppressed: 0 });
    const record = {
      timestamp: new Date(now).toISOString(),
      level: 'WARN',
      message: `otelkit: ${message}`,
      service: process.env.OTEL_SERVICE_NAME ?? 'unknown_service:node',
    };
    const own = { 'otelkit.warning': key, ...(seen?.suppressed ? { suppressed: seen.suppressed } : {}) };
    let line: string;
    try {
      line = warningRedactor().stringify({ ...record, context: { ...context, ...own } });
    } catch {
      // A context whose properties cannot even be listed (a hostile Proxy): report without it.
      line = warningRedactor().stringify({ ...record, context: own });
    }
    s.sink(line);
    return true;
  } catch (error) {
    try {
      const text = warningRedactor().redactString(`otelkit: ${safeString(message)} (${safeString(error)})`);
      process.stderr.write(`${text}\n`);
    } catch {
      /* nothing left to try */
    }
    return false;
  }
}
