import { lazyGlobalSlot } from '../internal/global-slot.js';
import type { LogRecord } from '../schema/log-record.js';

/** Receives each record a sink writes, already redacted. Must be fast and must not throw (errors are swallowed). */
export type RecordListener = (record: Readonly<LogRecord>) => void;

const listeners: () => Set<RecordListener> = lazyGlobalSlot('record-listeners', () => new Set<RecordListener>());

/**
 * Subscribes to the records otelkit sinks write (the logging package publishes; the errors package turns them into
 * breadcrumbs), so that neither imports the other. Returns an unsubscribe function.
 */
export function onRecord(listener: RecordListener): () => void {
  const set = listeners();
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

/** Whether anyone listens: sinks skip building the record object when nobody does. */
export function hasRecordListeners(): boolean {
  return listeners().size > 0;
}

/** Publishes one redacted record to every listener; a throwing listener does not stop the others. */
export function publishRecord(record: Readonly<LogRecord>): void {
  for (const listener of listeners()) {
    try {
      listener(record);
    } catch {
      /* a listener's failure is its own */
    }
  }
}
