import { normalizeLogs, normalizeMetrics, normalizeTraces, prescanLogs, prescanTraces } from '../otlp/normalize.js';
import { exportResponse, otlpCodec, type Signal } from '../otlp/proto.js';
import { type ScannedTraces, scanTraces } from '../otlp/trace-scan.js';
import { BadDataError } from '../otlp/values.js';
import { isFailedRequest, routeOf } from '../query/request-rules.js';
import type { Store } from '../store/store.js';

/** The outcome of one OTLP export request, for either transport. */
export interface IngestOutcome {
  rejected: number;
  errorMessage: string;
}

/** Decodes an OTLP protobuf request body; throws BadDataError when it is not one. */
export function decodeProtobuf(signal: Signal, body: Uint8Array): unknown {
  try {
    return otlpCodec(signal).decodeRequest(body);
  } catch (error) {
    throw new BadDataError(`invalid protobuf ${signal} export request: ${(error as Error).message}`);
  }
}

/** Parses an OTLP/JSON request body; throws BadDataError when it is not JSON. */
export function decodeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new BadDataError(`invalid JSON: ${(error as Error).message}`);
  }
}

/** The collector has more accepted data waiting to be stored than it keeps; the sender should retry later. */
export class BusyError extends Error {
  override readonly name = 'BusyError';
}

/**
 * Accepts a decoded protobuf request. Traces and logs are answered right away — the rejected count comes from a
 * cheap pre-scan — and normalized and stored just after, so the exporter's round trip does not include the store.
 * Metrics are small and stored at once. Throws BusyError when too much is already waiting.
 */
export function acceptProtobuf(store: Store, signal: Signal, decoded: unknown): IngestOutcome {
  if (signal === 'metrics') return ingest(store, signal, decoded);
  if (signal === 'traces') {
    const { spans, rejected } = prescanTraces(decoded);
    if (!store.defer(spans, () => ingest(store, signal, decoded))) throw new BusyError('collector is busy; retry');
    return { rejected, errorMessage: rejected ? `${rejected} span(s) without a valid traceId/spanId` : '' };
  }
  if (!store.defer(prescanLogs(decoded), () => ingest(store, signal, decoded))) {
    throw new BusyError('collector is busy; retry');
  }
  return { rejected: 0, errorMessage: '' };
}

const SERVER_SPAN_RULES = { routeOf, isFailed: isFailedRequest };

/**
 * Accepts an OTLP/protobuf ExportTraceServiceRequest body. The wire scanner indexes it without decoding it (see
 * `trace-scan.ts`), and the store keeps its bytes and that index; when the scanner gives up on an unusual request, it
 * takes the decoder path of {@link acceptProtobuf}, which accepts or refuses it exactly as it always did.
 */
export function acceptTracesProtobuf(store: Store, body: Buffer): IngestOutcome {
  // The batch copies the body into the trace store's arena when it is stored, so the transport's buffer is not kept.
  const scanned = scanTraces(body, SERVER_SPAN_RULES, store.traces.arena);
  if (!scanned) return acceptProtobuf(store, 'traces', decodeProtobuf('traces', body));
  const { rejected } = scanned;
  // The scan has validated the request and counted its rejected spans, so the answer is known: storing the batch
  // waits until the exporter has it (queries drain the queue first, so they still see every accepted span).
  if (!store.defer(scanned.spans + rejected, () => store.ingestScannedTraces(scanned))) {
    throw new BusyError('collector is busy; retry');
  }
  return { rejected, errorMessage: rejected ? `${rejected} span(s) without a valid traceId/spanId` : '' };
}

/**
 * Stores a raw OTLP/protobuf trace export of a data directory (accepted once before): indexed by the scanner, or —
 * when it gives up or is disabled — decoded and normalized. Returns the number of spans stored, or undefined when the
 * bytes are not a trace export.
 */
export function replayStoredTraces(store: Store, bytes: Buffer): number | undefined {
  const scanned: ScannedTraces | undefined = scanTraces(bytes, SERVER_SPAN_RULES, store.traces.arena);
  if (scanned) {
    store.ingestScannedTraces(scanned);
    return scanned.spans;
  }
  try {
    const n = normalizeTraces(decodeProtobuf('traces', bytes));
    store.ingestSpans(n.items, n.rejected);
    return n.items.length;
  } catch {
    return undefined;
  }
}

/** Normalizes a decoded request and hands it to the store. Throws BadDataError for malformed structure. */
export function ingest(store: Store, signal: Signal, decoded: unknown): IngestOutcome {
  let normalized: { rejected: number; errorMessage: string };
  try {
    if (signal === 'traces') {
      const n = normalizeTraces(decoded);
      store.ingestSpans(n.items, n.rejected);
      normalized = n;
    } else if (signal === 'logs') {
      const n = normalizeLogs(decoded);
      store.ingestLogs(n.items);
      normalized = n;
    } else {
      const n = normalizeMetrics(decoded);
      store.ingestMetrics(n.items, n.rejected);
      normalized = n;
    }
  } catch (error) {
    if (error instanceof BadDataError) throw error;
    // A structure deep or odd enough to break a reader is still the sender's bad data, not a collector crash.
    throw new BadDataError(`malformed ${signal} export request: ${(error as Error).message}`);
  }
  return { rejected: normalized.rejected, errorMessage: normalized.errorMessage };
}

/** The protobuf-encoded Export*ServiceResponse for an outcome. */
export function protobufResponse(signal: Signal, outcome: IngestOutcome): Uint8Array {
  return otlpCodec(signal).encodeResponse(exportResponse(signal, outcome.rejected, outcome.errorMessage));
}

/** The OTLP/JSON Export*ServiceResponse for an outcome. */
export function jsonResponse(signal: Signal, outcome: IngestOutcome): object {
  return exportResponse(signal, outcome.rejected, outcome.errorMessage);
}
