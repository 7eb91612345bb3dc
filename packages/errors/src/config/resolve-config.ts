import {
  ConfigError,
  type ConfigProblem,
  createRedactor,
  getResource,
  loadConfig,
  type Redactor,
  type ServiceResource,
} from '@otelkit/core';
import type { ErrorsOptions, LineSink, SentryEventHook, SentryIntegrationLike } from './options.js';

/** Headers that say how a request was made without saying who made it. */
export const DEFAULT_ALLOWED_HEADERS: readonly string[] = [
  'accept',
  'accept-language',
  'content-length',
  'content-type',
  'host',
  'referer',
  'user-agent',
  'x-correlation-id',
  'x-request-id',
  'traceparent',
];

/** Everything the errors package runs on, validated once at start. */
export interface ErrorsConfig {
  dsn?: string;
  resource: ServiceResource;
  sampleRate: number;
  maxBreadcrumbs: number;
  allowHeaders: ReadonlySet<string>;
  sendUserPii: boolean;
  redactor: Redactor;
  captureProcessErrors: boolean;
  flushTimeoutMs: number;
  maxQueueSize: number;
  sendTimeoutMs: number;
  log: LineSink | undefined;
  integrations?: ErrorsOptions['integrations'];
  beforeSend?: SentryEventHook;
  beforeSendTransaction?: SentryEventHook;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads options, then the environment (`SENTRY_DSN`, and core's `OTEL_*` / `OTELKIT_*` through `loadConfig`), then
 * defaults. Every problem is collected into one {@link ConfigError}.
 */
export function resolveConfig(options: ErrorsOptions = {}, env: Env = process.env): ErrorsConfig {
  const problems: ConfigProblem[] = [];
  const core = loadConfig(env);

  let dsn: string | undefined;
  if (options.dsn === false) dsn = undefined;
  else if (options.dsn !== undefined) dsn = checkDsn('options.dsn', options.dsn, problems);
  else {
    const raw = env.SENTRY_DSN?.trim();
    if (raw) dsn = checkDsn('SENTRY_DSN', raw, problems);
  }

  const sampleRate = number(problems, 'options.sampleRate', options.sampleRate, 1, { min: 0, max: 1 });
  const maxBreadcrumbs = number(problems, 'options.maxBreadcrumbs', options.maxBreadcrumbs, 30, {
    min: 0,
    max: 100,
    integer: true,
  });
  const flushTimeoutMs = number(problems, 'options.flushTimeoutMs', options.flushTimeoutMs, 2000, {
    min: 1,
    max: 60_000,
    integer: true,
  });
  const maxQueueSize = number(problems, 'options.maxQueueSize', options.maxQueueSize, 30, {
    min: 1,
    max: 10_000,
    integer: true,
  });
  const sendTimeoutMs = number(problems, 'options.sendTimeoutMs', options.sendTimeoutMs, 5000, {
    min: 1,
    max: 120_000,
    integer: true,
  });

  let allowHeaders: readonly string[] = DEFAULT_ALLOWED_HEADERS;
  if (typeof options.allowHeaders === 'function') {
    try {
      allowHeaders = options.allowHeaders(DEFAULT_ALLOWED_HEADERS);
    } catch (error) {
      problems.push({
        field: 'options.allowHeaders',
        value: String(error),
        expected: 'a function that returns a list',
      });
    }
  } else if (options.allowHeaders !== undefined) {
    allowHeaders = [...DEFAULT_ALLOWED_HEADERS, ...options.allowHeaders];
  }
  if (!Array.isArray(allowHeaders) || allowHeaders.some((h) => typeof h !== 'string' || h === '')) {
    problems.push({ field: 'options.allowHeaders', value: allowHeaders, expected: 'a list of header names' });
    allowHeaders = DEFAULT_ALLOWED_HEADERS;
  }

  for (const key of ['beforeSend', 'beforeSendTransaction'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      problems.push({ field: `options.${key}`, value: typeof options[key], expected: 'a function' });
    }
  }
  if (
    options.integrations !== undefined &&
    typeof options.integrations !== 'function' &&
    !Array.isArray(options.integrations)
  ) {
    problems.push({
      field: 'options.integrations',
      value: typeof options.integrations,
      expected: 'an array of Sentry integrations or (defaults) => list',
    });
  }
  const log = options.log === undefined ? process.stdout : options.log === false ? undefined : options.log;
  if (log !== undefined && typeof (log as { write?: unknown }).write !== 'function') {
    problems.push({
      field: 'options.log',
      value: typeof log,
      expected: 'false or an object with a write(line) method',
    });
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const redactor = createRedactor(
    options.redact ?? {
      keys: core.redaction.keys,
      pii: core.redaction.pii,
    },
  );
  const config: ErrorsConfig = {
    resource: getResource(core),
    sampleRate,
    maxBreadcrumbs,
    allowHeaders: new Set(allowHeaders.map((h) => h.toLowerCase())),
    sendUserPii: options.sendUserPii === true,
    redactor,
    captureProcessErrors: options.captureProcessErrors !== false,
    flushTimeoutMs,
    maxQueueSize,
    sendTimeoutMs,
    log,
  };
  if (dsn !== undefined) config.dsn = dsn;
  if (options.integrations !== undefined) config.integrations = options.integrations;
  if (options.beforeSend) config.beforeSend = options.beforeSend;
  if (options.beforeSendTransaction) config.beforeSendTransaction = options.beforeSendTransaction;
  return config;
}

/** A DSN is `<protocol>://<public key>@<host>[:port]/[path/]<project id>`. */
function checkDsn(field: string, value: unknown, problems: ConfigProblem[]): string | undefined {
  const expected = 'a Sentry DSN such as https://<public key>@o0.ingest.sentry.io/<project id>';
  if (typeof value !== 'string') {
    problems.push({ field, value: typeof value, expected });
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push({ field, value, expected });
    return undefined;
  }
  const projectId = url.pathname.split('/').filter(Boolean).pop();
  if (!(url.protocol === 'http:' || url.protocol === 'https:') || url.username === '' || !projectId) {
    problems.push({ field, value, expected });
    return undefined;
  }
  return value;
}

function number(
  problems: ConfigProblem[],
  field: string,
  value: unknown,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= range.min &&
    value <= range.max &&
    (!range.integer || Number.isInteger(value));
  if (ok) return value;
  problems.push({
    field,
    value,
    expected: `${range.integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}`,
  });
  return fallback;
}

/** The integration list a user asked for, applied to otelkit's defaults. */
export function resolveIntegrations(
  defaults: SentryIntegrationLike[],
  option: ErrorsOptions['integrations'],
): SentryIntegrationLike[] {
  if (option === undefined) return defaults;
  if (typeof option === 'function') return option(defaults);
  return [...defaults, ...option];
}
