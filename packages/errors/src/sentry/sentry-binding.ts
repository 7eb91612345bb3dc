import { createRequire } from 'node:module';
import { ConfigError, classifyError, fingerprint, getContext, warnOnce } from '@otelkit/core';
import { type Breadcrumb, type RecordBuffer, startRecordBuffer } from '../breadcrumbs/record-buffer.js';
import type { CaptureFacts } from '../capture/capture-facts.js';
import type { SentryEvent, SentryEventHook, SentryIntegrationLike } from '../config/options.js';
import { type ErrorsConfig, resolveIntegrations } from '../config/resolve-config.js';
import { boundedTransport } from './bounded-transport.js';
import { type ScrubOptions, scrubEvent } from './scrub-event.js';

/** The running Sentry side of a reporter. */
export interface SentryBinding {
  /** Sends one capture; returns Sentry's event id. Never throws. */
  capture(facts: CaptureFacts): string | undefined;
  flush(timeoutMs: number): Promise<boolean>;
  close(timeoutMs: number): Promise<boolean>;
}

// The parts of `@sentry/node` used here. Typed by hand so that the published types never mention the optional peer.
type Integration = SentryIntegrationLike & {
  processEvent?: (event: SentryEvent, hint: EventHint) => SentryEvent | null;
  setupOnce?: () => void;
};
interface EventHint {
  originalException?: unknown;
  data?: { otelkit?: CaptureFacts; otelkitBreadcrumbs?: Breadcrumb[]; [key: string]: unknown };
}
interface SentryModule {
  SDK_VERSION: string;
  init(options: Record<string, unknown>): unknown;
  isInitialized(): boolean;
  captureException(error: unknown, hint: Record<string, unknown>): string;
  flush(timeout?: number): PromiseLike<boolean>;
  close(timeout?: number): PromiseLike<boolean>;
  makeNodeTransport: Parameters<typeof boundedTransport>[0];
  eventFiltersIntegration(): Integration;
  functionToStringIntegration(): Integration;
  linkedErrorsIntegration(): Integration;
  dedupeIntegration(): Integration;
  systemErrorIntegration(): Integration;
  contextLinesIntegration(): Integration;
  nodeContextIntegration(): Integration;
  modulesIntegration(): Integration;
  openTelemetryIntegration(): Integration;
}

const SEVERITY_LEVEL = { WARN: 'warning', ERROR: 'error', FATAL: 'fatal' } as const;

/**
 * What `dataCollection` (Sentry 11's replacement of `sendDefaultPii`, permissive by default) is set to: no bodies, no
 * cookies, no local variables, no user data inferred from requests, only allow-listed headers; query strings are
 * kept and redacted by `beforeSend`.
 */
export function dataCollectionPreset(allowHeaders: ReadonlySet<string>): Record<string, unknown> {
  const allow = [...allowHeaders];
  return {
    userInfo: false,
    cookies: false,
    httpHeaders: { request: { allow }, response: { allow } },
    httpBodies: [],
    urlQueryParams: true,
    graphQL: { document: true, variables: false },
    genAI: { inputs: false, outputs: false },
    mcp: { inputs: false, outputs: false },
    databaseQueryData: false,
    queues: false,
    stackFrameVariables: false,
  };
}

function loadSentry(): SentryModule {
  let sentry: SentryModule;
  try {
    sentry = createRequire(import.meta.url)('@sentry/node') as SentryModule;
  } catch (error) {
    throw new ConfigError([
      {
        field: 'options.dsn',
        value: `@sentry/node could not be loaded (${(error as Error)?.message ?? error})`,
        expected: 'npm install @sentry/node@11 next to @otelkit/errors, or no DSN for local-only capture',
      },
    ]);
  }
  if (typeof sentry.SDK_VERSION !== 'string' || !sentry.SDK_VERSION.startsWith('11.')) {
    throw new ConfigError([
      { field: '@sentry/node', value: sentry.SDK_VERSION, expected: 'version 11.x (otelkit binds to the 11 API)' },
    ]);
  }
  return sentry;
}

/**
 * Starts `@sentry/node` 11 the way its documentation describes running beside your own OpenTelemetry SDK: Sentry
 * tracing off (`enableOpenTelemetrySetup: false`, no `tracesSampleRate`), so it registers no tracer provider, context
 * manager or propagator; `openTelemetryIntegration()` so every event carries the active OpenTelemetry span's trace and
 * span id. None of Sentry's http, fetch, console or framework instrumentation is installed (OpenTelemetry and otelkit's
 * glue already own those), nor its process handlers (otelkit's capture, flush and exit instead).
 */
export function startSentry(config: ErrorsConfig & { dsn: string }): SentryBinding {
  const Sentry = loadSentry();
  if (Sentry.isInitialized()) {
    warnOnce(
      'errors.sentry-already-initialized',
      'Sentry was already initialised; initErrors() replaces that client with its own',
    );
  }
  const records = config.maxBreadcrumbs > 0 ? startRecordBuffer(config.maxBreadcrumbs) : undefined;
  const scrub: ScrubOptions = {
    redactor: config.redactor,
    allowHeaders: config.allowHeaders,
    sendUserPii: config.sendUserPii,
    maxBreadcrumbs: config.maxBreadcrumbs,
  };
  const defaults: SentryIntegrationLike[] = [
    Sentry.eventFiltersIntegration(),
    Sentry.functionToStringIntegration(),
    Sentry.linkedErrorsIntegration(),
    Sentry.dedupeIntegration(),
    Sentry.systemErrorIntegration(),
    Sentry.contextLinesIntegration(),
    Sentry.nodeContextIntegration(),
    Sentry.modulesIntegration(),
    Sentry.openTelemetryIntegration(),
    otelkitIntegration(config, records),
  ];
  const { resource } = config;
  const options: Record<string, unknown> = {
    dsn: config.dsn,
    environment: resource.environment,
    serverName: resource.host,
    sampleRate: config.sampleRate,
    maxBreadcrumbs: config.maxBreadcrumbs,
    enableOpenTelemetrySetup: false,
    // Classic transactions, so that `beforeSendTransaction` (and our scrubbing in it) applies if a user turns Sentry
    // tracing on; with tracing off, as here, Sentry sends no spans at all.
    traceLifecycle: 'static',
    enableRuntimeChannelInjection: false,
    dataCollection: dataCollectionPreset(config.allowHeaders),
    defaultIntegrations: resolveIntegrations(defaults, config.integrations),
    transport: boundedTransport(Sentry.makeNodeTransport, {
      maxQueueSize: config.maxQueueSize,
      sendTimeoutMs: config.sendTimeoutMs,
    }),
    beforeSend: chain(scrub, config.beforeSend),
    beforeSendTransaction: chain(scrub, config.beforeSendTransaction),
    initialScope: { tags: identityTags(config) },
  };
  if (resource.version !== undefined) options.release = resource.version;
  Sentry.init(options);

  return {
    capture(facts) {
      try {
        // The records logged up to the failure, taken now: Sentry processes the event later, when more may have come.
        const hint = hintOf(facts, config);
        if (records) (hint.data as Record<string, unknown>).otelkitBreadcrumbs = records.breadcrumbs();
        return Sentry.captureException(facts.error, hint);
      } catch (error) {
        warnOnce('errors.sentry-capture-failed', 'Sentry rejected a capture', { error: String(error) });
        return undefined;
      }
    },
    flush: (timeoutMs) => settle(Sentry.flush(timeoutMs)),
    close: async (timeoutMs) => {
      records?.stop();
      return settle(Sentry.close(timeoutMs));
    },
  };
}

function identityTags(config: ErrorsConfig): Record<string, string> {
  const tags: Record<string, string> = {
    service: config.resource.service,
    environment: config.resource.environment,
  };
  if (config.resource.version !== undefined) tags.version = config.resource.version;
  return tags;
}

function hintOf(facts: CaptureFacts, config: ErrorsConfig): Record<string, unknown> {
  const tags: Record<string, string | number | boolean> = {
    ...facts.tags,
    ...identityTags(config),
    'error.category': facts.classification.category,
    'error.severity': facts.classification.severity,
  };
  if (facts.correlationId !== undefined) tags.correlation_id = facts.correlationId;
  const contexts: Record<string, Record<string, unknown>> = {
    otelkit: {
      fingerprint: facts.fingerprint,
      severity: facts.classification.severity,
      category: facts.classification.category,
      retryable: facts.classification.retryable,
      ...(facts.correlationId !== undefined ? { correlation_id: facts.correlationId } : {}),
      ...(facts.serialized.code !== undefined ? { code: facts.serialized.code } : {}),
    },
  };
  // The same ids as the record and the span event, whatever Sentry's scope would have derived later.
  if (facts.traceId !== undefined && facts.spanId !== undefined) {
    contexts.trace = { trace_id: facts.traceId, span_id: facts.spanId };
  }
  if (facts.context) contexts.context = facts.context;
  const captureContext: Record<string, unknown> = {
    tags,
    contexts,
    fingerprint: [facts.fingerprint],
    level: SEVERITY_LEVEL[facts.level === 'WARN' || facts.level === 'FATAL' ? facts.level : 'ERROR'],
  };
  if (facts.user) captureContext.user = sentryUser(facts.user, config.sendUserPii);
  return {
    captureContext,
    mechanism: { type: facts.mechanism, handled: facts.handled },
    data: { otelkit: facts },
  };
}

function sentryUser(user: NonNullable<CaptureFacts['user']>, pii: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (user.id !== undefined) out.id = String(user.id);
  if (pii) {
    if (user.email !== undefined) out.email = String(user.email);
    if (user.ip_address !== undefined) out.ip_address = String(user.ip_address);
    if (user.username !== undefined) out.username = String(user.username);
  }
  return out;
}

/**
 * One integration for what otelkit adds to every error event, including ones captured through Sentry's own API:
 * core's fingerprint and classification tags, the correlation and user id of core's context, the request the glue
 * described, and the recent core-schema records as breadcrumbs.
 */
function otelkitIntegration(config: ErrorsConfig, records: RecordBuffer | undefined): Integration {
  return {
    name: 'Otelkit',
    processEvent(event, hint) {
      try {
        if (event.type !== undefined) return event;
        const facts = hint?.data?.otelkit;
        if (!facts) fillFromCoreContext(event, hint?.originalException, config);
        else if (facts.request && event.request === undefined) event.request = sentryRequest(facts.request);
        if (records) {
          const own = hint?.data?.otelkitBreadcrumbs ?? records.breadcrumbs();
          if (own.length > 0) event.breadcrumbs = mergeBreadcrumbs(event.breadcrumbs, own, config.maxBreadcrumbs);
        }
      } catch (error) {
        warnOnce('errors.sentry-event-processing-failed', 'could not add otelkit fields to a Sentry event', {
          error: String(error),
        });
      }
      return event;
    },
  };
}

function fillFromCoreContext(event: SentryEvent, original: unknown, config: ErrorsConfig): void {
  const tags = { ...(event.tags as Record<string, unknown> | undefined) };
  const ctx = getContext();
  if (original !== undefined) {
    const given = event.fingerprint;
    if (!Array.isArray(given) || given.length === 0 || given.every((f) => /^\{\{\s*default\s*\}\}$/.test(String(f)))) {
      event.fingerprint = [fingerprint(original)];
    }
    const classification = classifyError(original);
    tags['error.category'] ??= classification.category;
    tags['error.severity'] ??= classification.severity;
  }
  if (ctx?.correlationId !== undefined) tags.correlation_id ??= ctx.correlationId;
  for (const [k, v] of Object.entries(identityTags(config))) tags[k] ??= v;
  event.tags = tags;
  if (ctx?.userId !== undefined) {
    const user = { ...(event.user as Record<string, unknown> | undefined) };
    user.id ??= ctx.userId;
    event.user = user;
  }
}

function sentryRequest(request: NonNullable<CaptureFacts['request']>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    method: request.method,
    url: request.query ? `${request.path}?${request.query}` : request.path,
  };
  if (request.query) out.query_string = request.query;
  if (request.headers) out.headers = { ...request.headers };
  return out;
}

function mergeBreadcrumbs(existing: unknown, own: Breadcrumb[], max: number): unknown[] {
  const list = Array.isArray(existing) ? [...existing, ...own] : own;
  list.sort((a, b) => Number((a as Breadcrumb).timestamp ?? 0) - Number((b as Breadcrumb).timestamp ?? 0));
  return list.slice(-max);
}

/** otelkit's scrubbing first, then the user's hook. A scrubber failure drops the event rather than leak it. */
function chain(scrub: ScrubOptions, user: SentryEventHook | undefined) {
  return (event: SentryEvent, hint: unknown): SentryEvent | null | PromiseLike<SentryEvent | null> => {
    let scrubbed: SentryEvent;
    try {
      scrubbed = scrubEvent(event, scrub);
    } catch (error) {
      warnOnce('errors.scrub-failed', 'a Sentry event could not be scrubbed and was dropped', {
        error: String(error),
      });
      return null;
    }
    return user ? user(scrubbed, hint) : scrubbed;
  };
}

async function settle(result: PromiseLike<boolean>): Promise<boolean> {
  try {
    return await result;
  } catch {
    return false;
  }
}
