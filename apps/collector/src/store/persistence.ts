import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isRecord } from '../otlp/values.js';
import { replayStoredTraces } from '../receivers/otlp-ingest.js';
import { indexableIds } from './span-batch.js';
import type { PersistedKind, PersistSink, Store } from './store.js';
import type { ErrorEvent, LogRecord, MetricPoint, StoredSpan } from './types.js';

/** The data-directory writer; `close` flushes and closes the open segments. */
export interface Persistence extends PersistSink {
  close(): Promise<void>;
}

const KINDS: PersistedKind[] = ['spans', 'otlp-traces', 'logs', 'metrics', 'errors'];
const KEEP_SEGMENTS = 5;
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

interface Writer {
  dir: string;
  index: number;
  records: number;
  bytes: number;
  segmentRecords: number;
  stream: WriteStream | undefined;
  segments: number[];
}

const isStr = (v: unknown) => typeof v === 'string';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Just enough shape checking that a damaged line cannot poison the queries. */
const VALID: Record<PersistedKind, (r: Record<string, unknown>) => boolean> = {
  spans: (r) =>
    indexableIds(r as { traceId: unknown; spanId: unknown; parentSpanId: unknown }) &&
    isStr(r.name) &&
    isStr(r.service) &&
    isStr(r.startTimeUnixNano) &&
    typeof r.durationMs === 'number' &&
    isRecord(r.attributes) &&
    isRecord(r.resource) &&
    Array.isArray(r.events) &&
    Array.isArray(r.links),
  'otlp-traces': (r) => isStr(r.protobuf) && BASE64.test(r.protobuf as string),
  logs: (r) => isStr(r.timestamp) && isStr(r.level) && isStr(r.message) && isStr(r.service),
  metrics: (r) => isStr(r.name) && isStr(r.service) && typeof r.timeMs === 'number' && isRecord(r.attributes),
  errors: (r) =>
    isStr(r.fingerprint) &&
    isStr(r.timestamp) &&
    isStr(r.service) &&
    isStr(r.eventId) &&
    isRecord(r.tags) &&
    Array.isArray(r.breadcrumbs),
};

function segmentName(index: number): string {
  return `${String(index).padStart(8, '0')}.ndjson`;
}

async function segmentsOf(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names
    .map((n) => /^(\d{8})\.ndjson$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Opens (creating) a data directory: replays its append-only NDJSON segments into the store, then appends every
 * accepted record. One directory per kind; a segment holds a quarter of the kind's store limit and at most five are
 * kept, so the directory stays bounded and always holds at least what the store can. Unreadable lines are skipped
 * and counted.
 */
export async function openDataDir(dataDir: string, store: Store): Promise<Persistence> {
  const limits = store.limits;
  const perKind: Record<PersistedKind, number> = {
    spans: limits.maxSpans,
    'otlp-traces': limits.maxSpans,
    logs: limits.maxLogs,
    metrics: limits.maxMetricPoints,
    errors: limits.maxErrorEvents,
  };
  const counters = store.counters.persistence;
  counters.enabled = true;
  counters.dataDir = dataDir;
  const writers = {} as Record<PersistedKind, Writer>;
  for (const kind of KINDS) {
    const dir = join(dataDir, kind);
    await mkdir(dir, { recursive: true });
    const segments = await segmentsOf(dir);
    for (const index of segments) {
      const lines = createInterface({ input: createReadStream(join(dir, segmentName(index))), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          counters.skippedLines++;
          continue;
        }
        if (!isRecord(record) || !VALID[kind](record)) {
          counters.skippedLines++;
          continue;
        }
        if (kind === 'otlp-traces') {
          const stored = replayStoredTraces(store, Buffer.from(record.protobuf as string, 'base64'));
          if (stored === undefined) {
            counters.skippedLines++;
            continue;
          }
          counters.loaded += stored;
          continue;
        }
        counters.loaded++;
        if (kind === 'spans') store.ingestSpans([record as unknown as StoredSpan]);
        else if (kind === 'logs') store.ingestLogs([record as unknown as LogRecord]);
        else if (kind === 'metrics') store.ingestMetrics([record as unknown as MetricPoint]);
        else store.ingestErrorEvent(record as unknown as ErrorEvent);
      }
    }
    writers[kind] = {
      dir,
      index: (segments.at(-1) ?? 0) + 1,
      records: 0,
      bytes: 0,
      segmentRecords: Math.max(1, Math.ceil(perKind[kind] / 4)),
      stream: undefined,
      segments,
    };
  }

  const open = (w: Writer): WriteStream => {
    const stream = createWriteStream(join(w.dir, segmentName(w.index)), { flags: 'a' });
    stream.on('error', () => {
      counters.writeErrors++;
    });
    w.segments.push(w.index);
    while (w.segments.length > KEEP_SEGMENTS) {
      const old = w.segments.shift()!;
      rm(join(w.dir, segmentName(old)), { force: true }).catch(() => {
        counters.writeErrors++;
      });
    }
    return stream;
  };

  return {
    append(kind, record, weight = 1) {
      const w = writers[kind];
      let line: string;
      try {
        line = `${JSON.stringify(record)}\n`;
      } catch {
        counters.writeErrors++;
        return;
      }
      if (w.stream && (w.records >= w.segmentRecords || w.bytes >= MAX_SEGMENT_BYTES)) {
        w.stream.end();
        w.stream = undefined;
        w.index++;
        w.records = 0;
        w.bytes = 0;
      }
      w.stream ??= open(w);
      w.stream.write(line);
      w.records += weight;
      w.bytes += line.length;
    },
    async close() {
      await Promise.all(
        KINDS.map(
          (kind) =>
            new Promise<void>((resolve) => {
              const stream = writers[kind].stream;
              if (!stream) return resolve();
              writers[kind].stream = undefined;
              stream.end(() => resolve());
            }),
        ),
      );
    },
  };
}
