import { trace } from '@opentelemetry/api';
import {
  createRedactor,
  getContext,
  getResource,
  hasRecordListeners,
  type LogLevel,
  type LogRecord,
  publishRecord,
  recordDropped,
  warnOnce,
} from '@otelkit/core';
import pino, { type Bindings, type ChildLoggerOptions, type LogFn, type Logger } from 'pino';
import { buildDestination } from './internal/destination.js';
import { createFieldRedactor, setField } from './internal/field-redactor.js';
import { formatMessage } from './internal/format-message.js';
import { DEBUG, isLevelName, LEVEL_VALUES, levelForName, levelLabel, traceInDebugSample } from './internal/levels.js';
import { createOtlpSink, type OtlpSink } from './internal/otlp-sink.js';
import {
  correlationField,
  emptyFields,
  errorField,
  isError,
  isHttpRequestLike,
  isHttpResponseLike,
  isPlainObject,
  isSpanId,
  isTraceId,
  type RecordFields,
  requestField,
  requestSummary,
  userField,
} from './internal/record-fields.js';
import { resolveConfig } from './internal/resolve-config.js';
import type { DebugAllowList, LoggerOptions, OtelkitLogger, ShutdownOptions } from './options.js';

const { setLevelSym, serializersSym, streamSym, needsMetadataGsym } = pino.symbols;

/** The configured level of a logger (own on loggers that set one, inherited by the others). */
const LEVEL = Symbol('otelkit.logging.level');
/** The schema fields and context a logger's bindings put on every record (already redacted). */
const BOUND = Symbol('otelkit.logging.bound');
/** The bindings as given, for `bindings()`. */
const BINDINGS = Symbol('otelkit.logging.bindings');
/** True on loggers whose pino child options (formatters, redact, msgPrefix…) need pino's own line writer. */
const PINO_WRITE = Symbol('otelkit.logging.pinoWrite');

type Bound = Partial<Omit<RecordFields, 'error'>>;

type Serializers = Record<string, ((value: unknown) => unknown) | undefined>;

interface Internal extends Logger {
  [LEVEL]: number;
  [BOUND]: Bound | undefined;
  [BINDINGS]: Bindings;
  [PINO_WRITE]: boolean;
}

type Write = (this: Logger, ...args: unknown[]) => void;

function serializersOf(logger: Internal): Serializers {
  return (logger as unknown as Record<symbol, Serializers>)[serializersSym] ?? {};
}

const LEVEL_NAMES: Record<number, LogLevel> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

type ChildFn = (this: Logger, bindings: Bindings, options?: ChildLoggerOptions) => Logger;
type FlushFn = (this: Logger, cb?: (err?: Error) => void) => void;

/**
 * Creates a pino logger whose every line is a record of the otelkit core schema: ISO `timestamp`, upper-case
 * `level`, `message`, the service resource, the active span's `trace_id`/`span_id`, the correlation id and user of
 * the current core context, errors serialized by core, everything else under `context` — redacted before any
 * destination sees it. Optionally exported over OTLP.
 *
 * Throws {@link ConfigError} once, at creation, for invalid options or environment variables; a log call never throws.
 *
 * @example
 * ```ts
 * import { createLogger } from '@otelkit/logging';
 * const logger = createLogger({ name: 'payment' });
 * logger.info({ amount: 149.99, card_number: '4111 1111 1111 1111' }, 'charging card');
 * // {"level":"INFO","timestamp":"…","service":"payment-api",…,"context":{"logger":"payment","amount":149.99,"card_number":"[REDACTED]"},"message":"charging card"}
 * ```
 */
export function createLogger(options: LoggerOptions = {}): OtelkitLogger {
  const resolved = resolveConfig(options);
  const resource = getResource(resolved.config);
  const redactor = createRedactor(resolved.redactor);
  const fields = createFieldRedactor(redactor, resolved.redactor.censor);
  const maxStringLength = resolved.maxStringLength;
  const pretty = resolved.pretty !== undefined;
  const spec = resolved.spec;

  // State of this logger tree (the root and every child), captured by the closures below.
  const allow = new Set<string>(resolved.debugAllowList);
  const ratio = resolved.debugSampleRatio;
  let armed = allow.size > 0 || ratio > 0;
  const leveled = new Set<WeakRef<Internal>>();
  const otlp: OtlpSink | undefined = resolved.otlp
    ? createOtlpSink(resolved.otlp, resource, resolved.name ?? '@otelkit/logging')
    : undefined;
  // What the serializers saw while pino wrote the line, for the record hooks and OTLP (all synchronous).
  const clock = { ms: 0, json: '', iso: '' };
  let lastMessage = '';

  const timestamp = (): string => {
    const now = Date.now();
    if (now !== clock.ms) {
      clock.ms = now;
      clock.iso = new Date(now).toISOString();
      clock.json = `,"timestamp":"${clock.iso}"`;
    }
    return clock.json;
  };

  const messageOf = (value: unknown): string => {
    let s = typeof value === 'string' ? value : messageText(value);
    s = fields.string(s);
    if (pretty) s = escapeControl(s);
    lastMessage = s;
    return s;
  };

  const escalates = (logger: Internal): boolean => {
    if (!armed || logger[LEVEL] === Number.POSITIVE_INFINITY) return false;
    if (allow.size > 0) {
      const ctx = getContext();
      if (ctx !== undefined) {
        if (allow.has(ctx.correlationId) || (ctx.userId !== undefined && allow.has(ctx.userId))) return true;
      }
      const bound = logger[BOUND];
      if (bound !== undefined) {
        if (bound.correlation_id !== undefined && allow.has(bound.correlation_id)) return true;
        if (bound.user !== undefined && allow.has(bound.user.id)) return true;
      }
    }
    if (ratio > 0) {
      const traceId = trace.getActiveSpan()?.spanContext().traceId;
      if (traceId !== undefined && isTraceId(traceId)) return traceInDebugSample(traceId, ratio);
    }
    return false;
  };

  const applyLevel = (logger: Internal): void => {
    const configured = logger[LEVEL];
    const effective = armed && configured > DEBUG && configured !== Number.POSITIVE_INFINITY ? DEBUG : configured;
    (logger as unknown as Record<symbol, (level: string) => void>)[setLevelSym]?.(levelLabel(effective));
  };

  const setOwnLevel = (logger: Internal, label: unknown): void => {
    if (!isLevelName(label)) throw new Error(`unknown level ${String(label)}`);
    logger[LEVEL] = LEVEL_VALUES[label];
    leveled.add(new WeakRef(logger));
    applyLevel(logger);
  };

  const rearm = (): void => {
    const next = allow.size > 0 || ratio > 0;
    if (next === armed) return;
    armed = next;
    for (const ref of leveled) {
      const logger = ref.deref();
      if (logger === undefined) leveled.delete(ref);
      else applyLevel(logger);
    }
  };

  const debugAllowList: DebugAllowList = {
    add(id) {
      allow.add(String(id));
      rearm();
      return debugAllowList;
    },
    delete(id) {
      const had = allow.delete(String(id));
      rearm();
      return had;
    },
    has: (id) => allow.has(String(id)),
    clear() {
      allow.clear();
      rearm();
    },
    get size() {
      return allow.size;
    },
    values: () => allow.values(),
  };

  /** A context value: withheld whole under a sensitive key, redacted otherwise. */
  const contextValue = (key: string, value: unknown): unknown =>
    fields.isSensitiveKey(key) ? (value === null || value === undefined ? value : fields.censor) : fields.value(value);

  /** Files the merging object of one call into the record; returns the message it implies, if any. */
  const absorb = (logger: Internal, rec: RecordFields, obj: object, hasMessage: boolean): string | undefined => {
    if (!isPlainObject(obj)) {
      if (isError(obj)) {
        rec.error = errorField(obj, fields, maxStringLength);
        return rec.error.message;
      }
      const o = obj as Record<string, unknown>;
      try {
        if (Array.isArray(obj) || obj instanceof Map || obj instanceof Set || obj instanceof Date) {
          rec.context = { value: fields.value(obj) };
          return undefined;
        }
        if (isHttpRequestLike(o)) {
          rec.request = requestSummary(o, fields);
          return undefined;
        }
        if (isHttpResponseLike(o)) {
          rec.context = { res: { status_code: o.statusCode } };
          return undefined;
        }
      } catch {
        // A Proxy or an object whose getters throw: core's redactor copes with whatever is readable.
        rec.context = { value: fields.value(obj) };
        return undefined;
      }
    }
    const source = obj as Record<string, unknown>;
    let message: string | undefined;
    // Keys that are not schema fields: they go under `context`, in an object this record owns.
    let stray: Record<string, unknown> | undefined;
    let keys: string[];
    try {
      keys = Object.keys(source);
    } catch {
      rec.context = { value: fields.value(obj) };
      return undefined;
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      let v: unknown;
      try {
        v = source[key];
      } catch {
        v = '[Unreadable]';
      }
      if (v === undefined) continue;
      switch (key) {
        case 'correlation_id': {
          const id = correlationField(v, fields);
          if (id !== undefined) {
            rec.correlation_id = id;
            continue;
          }
          break;
        }
        case 'trace_id':
          if (isTraceId(v)) {
            rec.trace_id = v;
            continue;
          }
          break;
        case 'span_id':
          if (isSpanId(v)) {
            rec.span_id = v;
            continue;
          }
          break;
        case 'user': {
          const user = userField(v, fields);
          if (user !== undefined) {
            rec.user = user;
            continue;
          }
          break;
        }
        case 'request': {
          const request = requestField(v, fields);
          if (request !== undefined) {
            rec.request = request;
            continue;
          }
          break;
        }
        case 'err':
        case 'error':
          if (rec.error === undefined) {
            rec.error = errorField(v, fields, maxStringLength);
            message ??= rec.error.message;
            continue;
          }
          break;
        case 'context':
          if (isPlainObject(v) && rec.context === undefined) {
            rec.context = fields.value(v) as Record<string, unknown>;
            continue;
          }
          break;
        case 'message':
          if (!hasMessage && typeof v === 'string') {
            message = v;
            continue;
          }
          break;
      }
      stray ??= {};
      setField(stray, key, contextValue(key, serialized(logger, key, v)));
    }
    if (stray !== undefined) rec.context = rec.context === undefined ? stray : { ...rec.context, ...stray };
    return message;
  };

  /** A value through the logger's pino serializer for its key (child options can add some), or a request summary. */
  const serialized = (logger: Internal, key: string, v: unknown): unknown => {
    try {
      const serializer = serializersOf(logger)[key];
      if (serializer !== undefined && key !== 'message') return serializer(v);
      if (typeof v === 'object' && v !== null && !isPlainObject(v) && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (isHttpRequestLike(o)) return requestSummary(o, fields);
        if (isHttpResponseLike(o)) return { status_code: o.statusCode };
      }
      return v;
    } catch {
      return '[serializer threw]';
    }
  };

  // The user of the current context, redacted; one entry, as the records of one request share it. Records are
  // read-only for their readers, so sharing the object is safe.
  let lastUser: { id: string; session_id?: string } = { id: '' };
  let lastUserId: string | undefined;
  let lastSessionId: string | undefined;
  const contextUser = (userId: string, sessionId: string | undefined): { id: string; session_id?: string } => {
    if (userId !== lastUserId || sessionId !== lastSessionId) {
      lastUser =
        sessionId === undefined
          ? { id: fields.string(userId) }
          : { id: fields.string(userId), session_id: fields.string(sessionId) };
      lastUserId = userId;
      lastSessionId = sessionId;
    }
    return lastUser;
  };

  /** Adds what the logger's bindings, the active span and the core context know. */
  const stamp = (logger: Internal, rec: RecordFields): number | undefined => {
    const bound = logger[BOUND];
    if (bound !== undefined) {
      if (rec.correlation_id === undefined) rec.correlation_id = bound.correlation_id;
      if (rec.trace_id === undefined && bound.trace_id !== undefined) {
        rec.trace_id = bound.trace_id;
        rec.span_id ??= bound.span_id;
      }
      if (rec.user === undefined) rec.user = bound.user;
      if (rec.request === undefined) rec.request = bound.request;
      if (bound.context !== undefined) {
        rec.context = rec.context === undefined ? bound.context : { ...bound.context, ...rec.context };
      }
    }
    let traceFlags: number | undefined;
    if (rec.trace_id === undefined) {
      const span = trace.getActiveSpan();
      if (span !== undefined) {
        const sc = span.spanContext();
        if (isTraceId(sc.traceId) && isSpanId(sc.spanId)) {
          rec.trace_id = sc.traceId;
          rec.span_id = sc.spanId;
          traceFlags = sc.traceFlags;
        }
      }
    }
    if (rec.correlation_id === undefined || rec.user === undefined) {
      const ctx = getContext();
      if (ctx !== undefined) {
        if (rec.correlation_id === undefined) rec.correlation_id = correlationField(ctx.correlationId, fields);
        if (rec.user === undefined && ctx.userId !== undefined) rec.user = contextUser(ctx.userId, ctx.sessionId);
      }
    }
    return traceFlags;
  };

  const publish = (level: number, rec: RecordFields, traceFlags: number | undefined): void => {
    const record: LogRecord = {
      timestamp: clock.iso,
      level: LEVEL_NAMES[level] ?? 'INFO',
      message: lastMessage,
      service: resource.service,
      environment: resource.environment,
      host: resource.host,
    };
    if (resource.version !== undefined) record.version = resource.version;
    if (rec.correlation_id !== undefined) record.correlation_id = rec.correlation_id;
    if (rec.trace_id !== undefined) record.trace_id = rec.trace_id;
    if (rec.span_id !== undefined) record.span_id = rec.span_id;
    if (rec.error !== undefined) record.error = rec.error;
    if (rec.user !== undefined) record.user = rec.user;
    if (rec.request !== undefined) record.request = rec.request as unknown as NonNullable<LogRecord['request']>;
    if (rec.context !== undefined) record.context = rec.context;
    if (hasRecordListeners()) publishRecord(record);
    otlp?.emit(record, clock.ms, traceFlags);
  };

  const writeFailed = (logger: Internal, method: LogFn, error: unknown): void => {
    let reason: string;
    try {
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } catch {
      reason = 'unprintable error';
    }
    warnOnce('logging.log_call_failed', 'a log call failed; a placeholder line was written instead', {
      error: reason.slice(0, 500),
    });
    try {
      const rec = emptyFields();
      rec.context = { 'otelkit.log_error': fields.string(reason.slice(0, 500)) };
      (method as Write).call(logger, rec, '[log call failed]');
    } catch {
      recordDropped('logs', 1, 'write_failed');
    }
  };

  function logMethod(this: Logger, args: Parameters<LogFn>, method: LogFn, level: number): void {
    const logger = this as Internal;
    if (level < logger[LEVEL] && (level < DEBUG || !escalates(logger))) return;
    const rec = emptyFields();
    let traceFlags: number | undefined;
    try {
      const first: unknown = args[0];
      const n = args.length;
      let at = 0;
      let implied: string | undefined;
      if (typeof first === 'object' && first !== null) {
        at = 1;
        implied = absorb(logger, rec, first, n > 1 && args[1] !== undefined);
      } else if (first === undefined && n > 1) {
        at = 1;
      }
      traceFlags = stamp(logger, rec);
      let msg: unknown = at < n ? args[at] : undefined;
      if (msg === undefined || msg === null) msg = implied ?? (msg === null ? 'null' : '');
      else if (at + 1 < n) {
        // printf-style arguments: formatted here, guarded, so that pino receives one finished message.
        msg = typeof msg === 'string' ? formatMessage(msg, args.slice(at + 1)) : msg;
      }
      if (typeof msg !== 'string') msg = messageText(msg);
      if (direct && !logger[PINO_WRITE]) writeLine(level, rec, msg as string);
      else (method as Write).call(logger, rec, msg);
    } catch (error) {
      writeFailed(logger, method, error);
      return;
    }
    if (otlp !== undefined || hasRecordListeners()) {
      try {
        publish(level, rec, traceFlags);
      } catch {
        recordDropped('logs', 1, 'publish_failed');
      }
    }
  }

  const root = pino(
    {
      level: 'info',
      messageKey: 'message',
      base: {
        service: resource.service,
        environment: resource.environment,
        host: resource.host,
        version: resource.version,
      },
      timestamp,
      formatters: { level: (label: string) => ({ level: label.toUpperCase() }) },
      serializers: { message: messageOf },
      hooks: { logMethod },
    },
    buildDestination(resolved.destination, resolved.sync, resolved.pretty),
  ) as unknown as Internal;

  const rootBound: Bound | undefined = resolved.name === undefined ? undefined : { context: { logger: resolved.name } };
  const proto = Object.getPrototypeOf(root) as { child: ChildFn; flush: FlushFn };
  const pinoChild = proto.child;
  const pinoFlush = proto.flush;
  root[BOUND] = rootBound;
  root[BINDINGS] = resolved.name === undefined ? {} : { name: resolved.name };
  root[PINO_WRITE] = false;

  // The line pino would write, built in one pass: the record's fields are already redacted and JSON-safe, and the ids
  // are validated (hex, or the correlation id alphabet), so they need no escaping. pino's writer stringifies value by
  // value through its serializer loop; skipping it is what brings a schema line to bare pino's cost. A stream that
  // wants pino's metadata (multistream) keeps pino's writer. Children share the root's stream (pino has no
  // per-child destination), so the line goes to it directly.
  type Stream = Record<symbol, unknown> & { write(line: string): unknown };
  const stream = (root as unknown as Record<symbol, Stream>)[streamSym] as Stream;
  const direct = stream[needsMetadataGsym] !== true;
  const heads: Record<number, string> = {};
  for (const [value, name] of Object.entries(LEVEL_NAMES)) heads[Number(value)] = `{"level":"${name}"`;
  let resourceJson = `,"service":${JSON.stringify(resource.service)},"environment":${JSON.stringify(resource.environment)},"host":${JSON.stringify(resource.host)}`;
  if (resource.version !== undefined) resourceJson += `,"version":${JSON.stringify(resource.version)}`;

  function writeLine(level: number, rec: RecordFields, msg: string): void {
    let line = (heads[level] ?? '{"level":"INFO"') + timestamp() + resourceJson;
    // `undefined` members are left out by JSON.stringify; `rec` is created with its keys in the schema's order.
    const body = JSON.stringify(rec);
    if (body.length > 2) line += `,${body.slice(1, -1)}`;
    line += `,"message":${JSON.stringify(messageOf(msg))}}\n`;
    stream.write(line);
  }
  setOwnLevel(root, resolved.level);

  /** Splits bindings into schema fields and context, on top of the parent's. */
  const bind = (
    logger: Internal,
    base: Bound | undefined,
    bindings: Record<string, unknown>,
  ): { bound: Bound | undefined; name: string | undefined } => {
    const bound: Bound = base === undefined ? {} : { ...base };
    const ctx: Record<string, unknown> = base?.context === undefined ? {} : { ...base.context };
    let name: string | undefined;
    for (const key of Object.keys(bindings)) {
      const v = bindings[key];
      if (v === undefined) continue;
      if (key === 'name' && typeof v === 'string') {
        name = v;
        setField(ctx, 'logger', fields.string(v));
        continue;
      }
      const user = key === 'user' ? userField(v, fields) : undefined;
      const request = key === 'request' ? requestField(v, fields) : undefined;
      if (key === 'correlation_id' && correlationField(v, fields) !== undefined) bound.correlation_id = v as string;
      else if (key === 'trace_id' && isTraceId(v)) bound.trace_id = v;
      else if (key === 'span_id' && isSpanId(v)) bound.span_id = v;
      else if (user !== undefined) bound.user = user;
      else if (request !== undefined) bound.request = request;
      else if (key === 'context' && isPlainObject(v)) Object.assign(ctx, fields.value(v));
      else setField(ctx, key, contextValue(key, serialized(logger, key, v)));
    }
    bound.context = Object.keys(ctx).length > 0 ? ctx : undefined;
    const empty = Object.values(bound).every((v) => v === undefined);
    return { bound: empty ? undefined : bound, name };
  };

  function child(this: Logger, bindings: Bindings, childOptions?: ChildLoggerOptions): OtelkitLogger {
    const parent = this as Internal;
    if (!bindings || typeof bindings !== 'object') throw Error('missing bindings for child Pino');
    let opts = childOptions;
    let level: unknown;
    if (childOptions != null && childOptions.level !== undefined) {
      level = childOptions.level;
      const { level: _ignored, ...rest } = childOptions;
      opts = rest;
    }
    const instance = pinoChild.call(parent, {}, opts) as Internal;
    instance[PINO_WRITE] =
      parent[PINO_WRITE] || (opts != null && Object.keys(opts).some((key) => key !== 'serializers'));
    const { bound, name } = bind(instance, parent[BOUND], safeCopy(bindings));
    instance[BOUND] = bound;
    instance[BINDINGS] = { ...parent[BINDINGS], ...safeCopy(bindings) };
    const own = level ?? (name === undefined ? undefined : levelForName(spec, name));
    if (own !== undefined) setOwnLevel(instance, own);
    return instance as unknown as OtelkitLogger;
  }

  const extras: PropertyDescriptorMap = {
    child: { value: child, writable: true, configurable: true },
    bindings: {
      value(this: Internal) {
        return { ...this[BINDINGS] };
      },
      writable: true,
      configurable: true,
    },
    setBindings: {
      value(this: Internal, bindings: Bindings) {
        // Rebuilt from every binding of the chain (they are all in BINDINGS, the root's name included).
        const merged = { ...this[BINDINGS], ...safeCopy(bindings) };
        this[BOUND] = bind(this, undefined, merged).bound;
        this[BINDINGS] = merged;
      },
      writable: true,
      configurable: true,
    },
    level: {
      get(this: Internal) {
        return levelLabel(this[LEVEL]);
      },
      set(this: Internal, label: unknown) {
        setOwnLevel(this, label);
      },
      configurable: true,
      enumerable: true,
    },
    levelVal: {
      get(this: Internal) {
        return this[LEVEL];
      },
      configurable: true,
    },
    isLevelEnabled: {
      value(this: Internal, label: string) {
        const value = (LEVEL_VALUES as Record<string, number | undefined>)[label];
        if (value === undefined || value === Number.POSITIVE_INFINITY) return false;
        return value >= this[LEVEL] || (value >= DEBUG && escalates(this));
      },
      writable: true,
      configurable: true,
    },
    flush: {
      value(this: Internal, cb?: (err?: Error) => void) {
        pinoFlush.call(this, (err?: Error) => {
          if (otlp === undefined) cb?.(err);
          else void otlp.forceFlush(5000).then(() => cb?.(err));
        });
      },
      writable: true,
      configurable: true,
    },
    shutdown: {
      value(this: Internal, shutdownOptions: ShutdownOptions = {}): Promise<void> {
        const timeoutMs = shutdownOptions.timeoutMs ?? 5000;
        const stream = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          timer.unref();
          try {
            pinoFlush.call(this, () => {
              clearTimeout(timer);
              resolve();
            });
          } catch {
            clearTimeout(timer);
            resolve();
          }
        });
        return Promise.all([stream, otlp?.shutdown(timeoutMs)]).then(() => undefined);
      },
      writable: true,
      configurable: true,
    },
    debugAllowList: { value: debugAllowList, configurable: true },
  };
  Object.defineProperties(root, extras);
  return root as unknown as OtelkitLogger;
}

/** A message from a value that is not a string: JSON for objects, text otherwise; never throws. */
function messageText(value: unknown): string {
  try {
    if (typeof value === 'object' && value !== null) return JSON.stringify(value) ?? String(value);
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[unprintable message]';
    }
  }
}

/** An own-enumerable copy that survives throwing getters. */
function safeCopy(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  try {
    for (const key of Object.keys(value)) {
      try {
        out[key] = (value as Record<string, unknown>)[key];
      } catch {
        out[key] = '[Unreadable]';
      }
    }
  } catch {
    /* a Proxy without keys: no bindings */
  }
  return out;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Makes control characters visible (`\n`, `\u001b`), so that a message cannot start a forged line or drive a terminal. */
function escapeControl(value: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(value)) return value;
  return value.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
