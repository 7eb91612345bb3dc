import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Signal } from '../otlp/proto.js';
import { encodeRpcStatus } from '../otlp/rpc-status.js';
import { BadDataError, isRecord } from '../otlp/values.js';
import { itemJson, parseEnvelope } from '../sentry/envelope.js';
import { errorFromSentryEvent, spansFromSentrySpanItem, spansFromSentryTransaction } from '../sentry/event.js';
import type { CollectorLimits, Store } from '../store/store.js';
import { HttpError, mediaType, readBody } from './body.js';
import {
  acceptProtobuf,
  acceptTracesProtobuf,
  BusyError,
  decodeJson,
  decodeProtobuf,
  ingest,
  jsonResponse,
  protobufResponse,
} from './otlp-ingest.js';

const OTLP_PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };
const SENTRY_PATH = /^\/api\/([^/]+)\/(envelope|store)\/?$/;

/** gRPC status codes used in OTLP/HTTP error bodies (google.rpc.Status). */
const GRPC_CODE: Record<number, number> = { 400: 3, 404: 5, 405: 12, 413: 8, 415: 3, 500: 13, 503: 14 };

function send(res: ServerResponse, status: number, body: object | Uint8Array, contentType?: string): void {
  if (res.headersSent) return;
  const payload = body instanceof Uint8Array ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': contentType ?? 'application/json',
    'content-length': payload.length,
    'access-control-allow-origin': '*',
  });
  res.end(payload);
}

/** How an error is answered: Sentry's `{ detail }`, or an OTLP `google.rpc.Status` as JSON or as protobuf. */
type ErrorBody = 'sentry' | 'json' | 'protobuf';

/** The error body a request gets: decided only when answering an error, so a request that succeeds pays nothing. */
function errorBodyFor(req: IncomingMessage, signal: Signal | undefined, sentry: unknown): ErrorBody {
  if (sentry) return 'sentry';
  return signal && mediaType(req) === 'application/x-protobuf' ? 'protobuf' : 'json';
}

/**
 * Answers an error. OTLP/HTTP requires a `google.rpc.Status` body in the request's own encoding: protobuf-encoded for
 * an `application/x-protobuf` request, JSON otherwise.
 */
function sendError(res: ServerResponse, status: number, message: string, body: ErrorBody): void {
  if (status === 413) res.setHeader('connection', 'close');
  const code = GRPC_CODE[status] ?? 2;
  if (body === 'protobuf') send(res, status, encodeRpcStatus(code, message), 'application/x-protobuf');
  else send(res, status, body === 'sentry' ? { detail: message } : { code, message });
}

/**
 * The HTTP port's request handler: OTLP/HTTP (`/v1/traces|metrics|logs`, protobuf and JSON, gzip) and Sentry
 * envelopes (`/api/:projectId/envelope/`, plus the legacy `/api/:projectId/store/`). Every failure is answered with a
 * status and a message (a `google.rpc.Status` for OTLP, in the request's encoding); nothing a client sends can throw
 * out of it.
 */
export function createIngestHandler(store: Store, limits: CollectorLimits) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const signal = OTLP_PATHS[path];
    const sentry = SENTRY_PATH.exec(path);
    req.on('error', () => {});
    if (req.method === 'OPTIONS' && (signal || sentry)) {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type, content-encoding, x-sentry-auth',
        'access-control-max-age': '86400',
      });
      res.end();
      return;
    }
    if (!signal && !sentry) {
      if (req.method === 'GET' && path === '/') {
        send(res, 200, {
          service: 'otelkit-collector',
          otlp: Object.keys(OTLP_PATHS),
          sentry: '/api/:projectId/envelope/',
        });
      } else {
        send(res, 404, { code: 5, message: `no receiver at ${path}` });
      }
      req.resume();
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      sendError(
        res,
        405,
        `method ${req.method} is not allowed on ${path}; use POST`,
        errorBodyFor(req, signal, sentry),
      );
      req.resume();
      return;
    }
    const handled = signal
      ? handleOtlp(store, limits, signal, req, res)
      : handleSentry(store, limits, sentry![2]!, req, res);
    handled.catch((error: unknown) => {
      const errorBody = errorBodyFor(req, signal, sentry);
      if (error instanceof HttpError) {
        store.countRefused(error.reason);
        sendError(res, error.status, error.message, errorBody);
        if (error.status === 413) req.resume();
      } else if (error instanceof BusyError) {
        store.countRefused('busy');
        res.setHeader('retry-after', '1');
        sendError(res, 503, error.message, errorBody);
      } else if (error instanceof BadDataError) {
        store.countRefused('bad_data');
        sendError(res, 400, error.message, errorBody);
      } else {
        store.countRefused('internal_error');
        sendError(res, 500, `internal error: ${(error as Error)?.message ?? String(error)}`, errorBody);
      }
    });
  };
}

async function handleOtlp(
  store: Store,
  limits: CollectorLimits,
  signal: Signal,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const type = mediaType(req);
  if (type !== 'application/x-protobuf' && type !== 'application/json') {
    req.resume();
    throw new HttpError(
      415,
      'unsupported_media_type',
      `content-type '${type || '(none)'}' is not supported; use application/x-protobuf or application/json`,
    );
  }
  const body = await readBody(req, limits);
  if (type === 'application/x-protobuf') {
    const outcome =
      signal === 'traces'
        ? acceptTracesProtobuf(store, body)
        : acceptProtobuf(store, signal, decodeProtobuf(signal, body));
    send(res, 200, protobufResponse(signal, outcome), 'application/x-protobuf');
  } else {
    const outcome = ingest(store, signal, decodeJson(body));
    send(res, 200, jsonResponse(signal, outcome));
  }
}

async function handleSentry(
  store: Store,
  limits: CollectorLimits,
  endpoint: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req, limits);
  if (endpoint === 'store') {
    const event = decodeJson(body);
    if (!isRecord(event)) throw new BadDataError('store body must be a JSON event object');
    store.counters.received.sentryEvents++;
    const occurrence = errorFromSentryEvent(event);
    store.ingestErrorEvent(occurrence);
    send(res, 200, { id: occurrence.eventId });
    return;
  }
  const envelope = parseEnvelope(body);
  store.counters.received.sentryEnvelopes++;
  // Parse every item before storing any, so a malformed envelope is refused whole.
  const work: (() => void)[] = [];
  envelope.items.forEach((item, index) => {
    const type = String(item.header.type);
    if (type === 'event') {
      const event = itemJson(item, index);
      work.push(() => {
        store.counters.received.sentryEvents++;
        const eventId = typeof envelope.header.event_id === 'string' ? envelope.header.event_id : undefined;
        store.ingestErrorEvent(errorFromSentryEvent(event, eventId));
      });
    } else if (type === 'transaction') {
      const event = itemJson(item, index);
      work.push(() => {
        store.counters.received.sentryTransactions++;
        const { spans, rejected } = spansFromSentryTransaction(event);
        store.ingestSpans(spans, rejected);
      });
    } else if (type === 'span') {
      const payload = itemJson(item, index);
      work.push(() => {
        const { spans, rejected } = spansFromSentrySpanItem(payload);
        store.counters.received.sentrySpans += spans.length;
        store.ingestSpans(spans, rejected);
      });
    } else if (type === 'session') {
      const session = itemJson(item, index);
      work.push(() => {
        store.counters.received.sentrySessions++;
        store.countSession(typeof session.status === 'string' ? session.status : 'unknown');
      });
    } else if (type === 'sessions') {
      const sessions = itemJson(item, index);
      work.push(() => {
        const aggregates = Array.isArray(sessions.aggregates) ? sessions.aggregates.filter(isRecord) : [];
        for (const a of aggregates.slice(0, 1000)) {
          for (const status of ['exited', 'errored', 'crashed', 'abnormal'] as const) {
            const n = a[status];
            if (typeof n === 'number' && n > 0 && Number.isFinite(n)) {
              store.counters.received.sentrySessions += n;
              store.countSession(status, n);
            }
          }
        }
      });
    } else {
      work.push(() => store.countIgnoredItem(type));
    }
  });
  for (const step of work) step();
  const id = typeof envelope.header.event_id === 'string' ? envelope.header.event_id : undefined;
  send(res, 200, id ? { id } : {});
}
