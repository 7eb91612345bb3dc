// The collector may report times as ISO strings, epoch milliseconds, or OTLP-style epoch nanoseconds
// (number or decimal string). Everything in the UI works in epoch milliseconds.

/** Converts any time representation the API may use into epoch milliseconds, or `undefined`. */
export function toEpochMs(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'number') return fromNumber(value);
  if (typeof value === 'bigint') return fromNumber(Number(value));
  if (typeof value === 'string') {
    if (/^\d+(\.\d+)?$/.test(value)) return fromNumber(Number(value));
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  if (value instanceof Date) return value.getTime();
  return undefined;
}

function fromNumber(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (n > 1e17) return n / 1e6; // nanoseconds
  if (n > 1e14) return n / 1e3; // microseconds
  if (n < 1e11) return n * 1e3; // seconds
  return n;
}

/** Formats a duration in milliseconds with a unit that keeps 2–3 significant digits. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours} h ${minutes} m` : `${minutes} m ${seconds} s`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A signed offset from a reference time, e.g. `+12.0 ms` or `-1.20 s`. */
export function formatOffset(ms: number): string {
  return ms < 0 ? `−${formatDuration(-ms)}` : `+${formatDuration(ms)}`;
}

/** Local wall-clock time with milliseconds, e.g. `14:23:45.123`. */
export function formatClock(ms: number | undefined): string {
  if (ms === undefined) return '–';
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time, e.g. `2025-10-11 14:23:45`; the date is left out for today. */
export function formatDateTime(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined) return '–';
  const d = new Date(ms);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (new Date(now).toDateString() === d.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** Coarse relative time, e.g. `3 min ago`. */
export function formatAgo(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined) return '–';
  const s = Math.round((now - ms) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** ISO 8601 in UTC, for tooltips. */
export function formatIso(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}
