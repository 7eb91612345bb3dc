import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, createContextKey, context as otelContext, ROOT_CONTEXT } from '@opentelemetry/api';
import { lazyGlobalSlot } from '../internal/global-slot.js';
import { uuidv7 } from './uuid-v7.js';

/** What otelkit knows about the unit of work in progress: the ids every record about it carries. */
export interface OtelkitContext {
  correlationId: string;
  userId?: string;
  sessionId?: string;
}

/** The header that carries the correlation id between services. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// Shared through a versioned global slot so that two installed copies of core agree on the current context.
const storage: () => AsyncLocalStorage<OtelkitContext> = lazyGlobalSlot(
  'context',
  () => new AsyncLocalStorage<OtelkitContext>(),
);

/** Whether a value may be used as a correlation id: 1–128 characters of `[A-Za-z0-9._:-]`. */
export function isValidCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && VALID_ID.test(value);
}

/** A new correlation id (a UUID v7, so ids sort by time). */
export function newCorrelationId(): string {
  return uuidv7();
}

/** Headers as Node, fetch and most frameworks give them. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * The correlation id of an inbound request: its `x-correlation-id` header when that is 1–128 characters of
 * `[A-Za-z0-9._:-]`, otherwise a new UUID v7. CR/LF, oversized and otherwise invalid values never pass.
 *
 * @example
 * ```ts
 * correlationIdFrom(req.headers); // 'req-7f3b2a1c-4d5e', or a fresh '0192…' id
 * ```
 */
export function correlationIdFrom(headers: HeadersLike | undefined | null): string {
  let raw: unknown;
  try {
    if (headers && typeof (headers as { get?: unknown }).get === 'function') {
      raw = (headers as { get(name: string): string | null }).get(CORRELATION_ID_HEADER);
    } else if (headers && typeof headers === 'object') {
      // Objects only: a string (or anything else) is not headers, and a 10 MB string has 10 million index keys.
      const h = headers as Record<string, unknown>;
      raw = h[CORRELATION_ID_HEADER];
      if (raw === undefined) {
        for (const key of Object.keys(h)) {
          if (key.toLowerCase() === CORRELATION_ID_HEADER) {
            raw = h[key];
            break;
          }
        }
      }
    }
  } catch {
    raw = undefined;
  }
  if (Array.isArray(raw)) raw = raw[0];
  return isValidCorrelationId(raw) ? raw : uuidv7();
}

// When an OpenTelemetry SDK has registered a context manager, the otelkit context rides in the OpenTelemetry
// context: one AsyncLocalStorage per request instead of two. Without one (logging alone, no SDK), core's own
// storage carries it. Reads look in both, so a context set before the SDK started is still found.
const OTEL_KEY = createContextKey('otelkit.context.v1');
const PROBE_KEY = createContextKey('otelkit.context.probe');
let probedManager: unknown;
let managerPropagates = false;

function otelPropagates(): boolean {
  let manager: unknown;
  try {
    const getter = (otelContext as unknown as { _getContextManager?: () => unknown })._getContextManager;
    manager = typeof getter === 'function' ? getter.call(otelContext) : undefined;
  } catch {
    manager = undefined;
  }
  if (manager !== undefined && manager === probedManager) return managerPropagates;
  let propagates = false;
  try {
    propagates = otelContext.with(
      ROOT_CONTEXT.setValue(PROBE_KEY, true),
      () => otelContext.active().getValue(PROBE_KEY) === true,
    );
  } catch {
    propagates = false;
  }
  probedManager = manager;
  managerPropagates = propagates;
  return propagates;
}

function current(): OtelkitContext | undefined {
  return (otelContext.active().getValue(OTEL_KEY) as OtelkitContext | undefined) ?? storage().getStore();
}

function merge(values: Partial<OtelkitContext>, parent: OtelkitContext | undefined): OtelkitContext {
  const next: OtelkitContext = {
    correlationId: isValidCorrelationId(values.correlationId)
      ? values.correlationId
      : (parent?.correlationId ?? uuidv7()),
  };
  const userId = values.userId ?? parent?.userId;
  const sessionId = values.sessionId ?? parent?.sessionId;
  if (userId !== undefined) next.userId = String(userId).slice(0, 256);
  if (sessionId !== undefined) next.sessionId = String(sessionId).slice(0, 256);
  return next;
}

/**
 * Runs `fn` with an otelkit context; fields not given are inherited from the enclosing context. An invalid
 * correlation id is replaced by a new one rather than propagated.
 *
 * @example
 * ```ts
 * runWithContext({ correlationId: correlationIdFrom(req.headers), userId: 'user-12345' }, () => handle(req));
 * ```
 */
export function runWithContext<R>(context: Partial<OtelkitContext>, fn: () => R): R {
  const next = merge(context, current());
  if (otelPropagates()) return otelContext.with(otelContext.active().setValue(OTEL_KEY, next), fn);
  return storage().run(next, fn);
}

/**
 * An OpenTelemetry `Context` that also carries an otelkit context (fields not given are inherited from `parent`'s
 * or the current one): for instrumentations that already enter a context per request, so one `context.with` sets
 * both the span and the correlation.
 *
 * @example
 * ```ts
 * context.with(setOtelkitContext(trace.setSpan(extracted, span), { correlationId }), handler);
 * ```
 */
export function setOtelkitContext(parent: Context, values: Partial<OtelkitContext>): Context {
  const inherited = (parent.getValue(OTEL_KEY) as OtelkitContext | undefined) ?? current();
  return parent.setValue(OTEL_KEY, merge(values, inherited));
}

/** The current otelkit context, or `undefined` outside {@link runWithContext}. */
export function getContext(): Readonly<OtelkitContext> | undefined {
  return current();
}

/**
 * Adds the user or session to the current context once it is known (after authentication, say). Returns false
 * outside a context.
 */
export function updateContext(patch: Pick<Partial<OtelkitContext>, 'userId' | 'sessionId'>): boolean {
  const ctx = current();
  if (!ctx) return false;
  if (patch.userId !== undefined) ctx.userId = String(patch.userId).slice(0, 256);
  if (patch.sessionId !== undefined) ctx.sessionId = String(patch.sessionId).slice(0, 256);
  return true;
}
