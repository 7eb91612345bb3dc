import type * as http from 'node:http';
import { createRequire } from 'node:module';
import { context, createContextKey } from '@opentelemetry/api';
import { recordDropped, warnOnce } from '@otelkit/core';

// The key `@opentelemetry/core`'s `suppressTracing` sets (`createContextKey` is `Symbol.for(description)`), so
// OpenTelemetry's http instrumentation never turns our envelope requests into spans of the user's service.
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** The slice of Sentry's transport contract this wrapper touches. */
interface TransportResponse {
  statusCode?: number;
}
type Envelope = [unknown, Array<[{ type?: string; item_count?: number }, unknown]>];
interface Transport {
  send(envelope: Envelope): PromiseLike<TransportResponse>;
  flush(timeout?: number): PromiseLike<boolean>;
}
interface TransportOptions {
  url: string;
  recordDroppedEvent: (reason: string, category: string, count?: number) => void;
  [key: string]: unknown;
}
type MakeTransport = (options: TransportOptions) => Transport;

/** Envelope items that are events we count as dropped (not client reports, sessions or log batches). */
const COUNTED_CATEGORIES = new Set(['error', 'transaction', 'default']);
const COUNTED_ITEM_TYPES = new Set(['event', 'transaction']);

export interface BoundedTransportOptions {
  maxQueueSize: number;
  sendTimeoutMs: number;
}

/**
 * Wraps Sentry's node transport so that the app never notices the envelope endpoint: at most `maxQueueSize` envelopes
 * are waiting or in flight (Sentry's buffer drops the rest), a request slower than `sendTimeoutMs` is abandoned, every
 * dropped event is counted with core's `recordDropped('events', …)` and reported once through `warnOnce`, rate limits
 * (`X-Sentry-Rate-Limits`, `Retry-After`) are honoured by Sentry's own transport, and tracing is suppressed while
 * sending.
 */
export function boundedTransport(make: MakeTransport, bounds: BoundedTransportOptions): MakeTransport {
  return (options) => {
    const countDrop = (reason: string, count: number): void => {
      recordDropped('events', count, reason);
      warnOnce(`errors.events-dropped.${reason}`, 'Sentry events dropped', { reason, count });
    };
    const inner = make({
      ...options,
      bufferSize: bounds.maxQueueSize,
      httpModule: timedHttpModule(bounds.sendTimeoutMs),
      recordDroppedEvent: (reason: string, category: string, count = 1) => {
        options.recordDroppedEvent(reason, category, count);
        if (COUNTED_CATEGORIES.has(category)) countDrop(reason, count);
      },
    });
    return {
      send(envelope) {
        const sent = context.with(context.active().setValue(SUPPRESS_TRACING_KEY, true), () => inner.send(envelope));
        return Promise.resolve(sent).then((response) => {
          const status = response?.statusCode;
          // Sentry's transport learns the rate limit from a 429 but counts nothing for the envelope it refused.
          if (status !== undefined && status >= 400 && status !== 413) {
            const events = countEvents(envelope);
            if (events > 0) countDrop(status === 429 ? 'rate_limited' : `http_${status}`, events);
          }
          return response;
        });
      },
      flush: (timeout) => inner.flush(timeout),
    };
  };
}

function countEvents(envelope: Envelope): number {
  let n = 0;
  const items = Array.isArray(envelope?.[1]) ? envelope[1] : [];
  for (const item of items) {
    const type = item?.[0]?.type;
    if (type !== undefined && COUNTED_ITEM_TYPES.has(type)) n++;
  }
  return n;
}

interface RequestLike {
  setTimeout(ms: number, cb: () => void): unknown;
  destroy(error?: Error): unknown;
}

/**
 * `http`/`https` whose requests give up after `timeoutMs` (Sentry's node transport sets no deadline of its own). The
 * CommonJS module objects are used, as Sentry's own transport would: instrumentation patches them in place, and the
 * suppressed context above is what keeps those patches from tracing us.
 */
function timedHttpModule(timeoutMs: number) {
  const load = createRequire(import.meta.url);
  const http = load('node:http') as typeof import('node:http');
  const https = load('node:https') as typeof import('node:https');
  return {
    request(options: http.RequestOptions | string | URL, callback?: (res: http.IncomingMessage) => void) {
      const secure =
        typeof options === 'string'
          ? options.startsWith('https:')
          : options instanceof URL
            ? options.protocol === 'https:'
            : options.protocol === 'https:';
      const req = (secure ? https : http).request(options as http.RequestOptions, callback);
      (req as RequestLike).setTimeout(timeoutMs, () => {
        const error = Object.assign(new Error(`envelope request timed out after ${timeoutMs} ms`), {
          code: 'ETIMEDOUT',
        });
        (req as RequestLike).destroy(error);
      });
      return req;
    },
  };
}
