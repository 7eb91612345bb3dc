import { type LogRecord, onRecord } from '@otelkit/core';

/** A Sentry breadcrumb, as the envelope carries it. */
export interface Breadcrumb {
  type: string;
  category: string;
  level: 'debug' | 'info' | 'warning' | 'error' | 'fatal';
  message: string;
  timestamp: number;
  data?: Record<string, unknown>;
}

/** The most recent core-schema records, kept by reference (they are already redacted and read-only). */
export interface RecordBuffer {
  /** The buffered records as breadcrumbs, oldest first. */
  breadcrumbs(): Breadcrumb[];
  stop(): void;
}

const LEVELS: Record<string, Breadcrumb['level']> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warning',
  ERROR: 'error',
  FATAL: 'fatal',
};

/**
 * Subscribes to core's record hook and keeps the last `capacity` records in a ring. Recording costs one array write;
 * the conversion to breadcrumbs happens only when an event is sent.
 */
export function startRecordBuffer(capacity: number): RecordBuffer {
  const ring: (Readonly<LogRecord> | undefined)[] = new Array(capacity);
  let next = 0;
  let size = 0;
  const unsubscribe =
    capacity > 0
      ? onRecord((record) => {
          ring[next] = record;
          next = (next + 1) % capacity;
          if (size < capacity) size++;
        })
      : () => {};
  return {
    breadcrumbs() {
      const out: Breadcrumb[] = [];
      for (let i = 0; i < size; i++) {
        const record = ring[(next - size + i + capacity) % capacity];
        if (record) out.push(toBreadcrumb(record));
      }
      return out;
    },
    // Stops recording; what was recorded stays readable for events still being processed.
    stop: unsubscribe,
  };
}

function toBreadcrumb(record: Readonly<LogRecord>): Breadcrumb {
  const level = LEVELS[record.level] ?? 'info';
  const parsed = Date.parse(record.timestamp);
  const data: Record<string, unknown> = {};
  if (record.correlation_id !== undefined) data.correlation_id = record.correlation_id;
  if (record.trace_id !== undefined) data.trace_id = record.trace_id;
  if (record.span_id !== undefined) data.span_id = record.span_id;
  if (record.error) {
    data['error.type'] = record.error.type;
    data['error.fingerprint'] = record.error.fingerprint;
  }
  if (record.request) data.request = record.request;
  if (record.context) data.context = record.context;
  const crumb: Breadcrumb = {
    type: level === 'error' || level === 'fatal' ? 'error' : 'default',
    category: 'log',
    level,
    message: String(record.message),
    timestamp: Number.isFinite(parsed) ? parsed / 1000 : Date.now() / 1000,
  };
  if (Object.keys(data).length > 0) crumb.data = data;
  return crumb;
}
