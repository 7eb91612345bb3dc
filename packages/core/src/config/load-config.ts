import { ConfigError } from './config-error.js';
import { type Env, ProblemList, read, readBoolean, readEnum, readKeyValueList, readNumber, readUrl } from './parse.js';

/** OTLP transport protocols (`OTEL_EXPORTER_OTLP_PROTOCOL`). */
export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
/** Samplers of `OTEL_TRACES_SAMPLER` that otelkit supports. */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
/** Diagnostic levels of `OTEL_LOG_LEVEL`. */
export type DiagLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';
/** Logger level names as `OTELKIT_LOG_LEVEL` spells them. */
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Where and how one signal is exported over OTLP. */
export interface OtlpSignalConfig {
  /** The full URL: used as is for gRPC; for HTTP it already ends in `/v1/<signal>`. */
  endpoint: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** A global logger level with per-logger overrides, from `info,payment=debug,pg=warn`. */
export interface LogLevelSpec {
  default: LogLevelName;
  overrides: Record<string, LogLevelName>;
}

/** Everything otelkit reads from the environment, validated. */
export interface OtelkitConfig {
  serviceName: string;
  serviceVersion?: string;
  environment: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`, percent-decoded. */
  resourceAttributes: Record<string, string>;
  sdkDisabled: boolean;
  diagLogLevel: DiagLevelName;
  otlp: { traces: OtlpSignalConfig; metrics: OtlpSignalConfig; logs: OtlpSignalConfig };
  traces: {
    sampler: SamplerName;
    samplerArg?: number;
    propagators: string[];
    batch: { scheduleDelayMs: number; maxQueueSize: number; maxExportBatchSize: number; exportTimeoutMs: number };
    attributeValueLengthLimit?: number;
    attributeCountLimit: number;
  };
  metrics: {
    exportIntervalMs: number;
    exportTimeoutMs: number;
    /** `OTEL_METRICS_EXPORTER`: any of `otlp`, `prometheus`; empty for `none`. */
    exporters: ('otlp' | 'prometheus')[];
    /** `OTEL_EXPORTER_PROMETHEUS_HOST` / `_PORT` for the pull endpoint. */
    prometheus: { host: string; port: number };
  };
  logs: {
    level: LogLevelSpec;
    exporter: 'none' | 'otlp';
    debugSampleRatio: number;
    /** `OTELKIT_CONSOLE_CAPTURE`: zero-code start turns `console.*` calls into log records. */
    consoleCapture: boolean;
  };
  redaction: { pii: boolean; keys: string[] };
}

const PROTOCOLS: readonly OtlpProtocol[] = ['grpc', 'http/protobuf', 'http/json'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const DIAG_LEVELS: readonly DiagLevelName[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const LOG_LEVEL_NAMES: readonly LogLevelName[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'jaeger', 'none'];
const LOGGER_NAME = /^[A-Za-z0-9_.:/@-]{1,100}$/;

/**
 * Parses a level spec such as `info,payment=debug,pg=warn`: one bare level (the default) and `logger=level` overrides.
 * Returns undefined and records a problem when the spec is invalid.
 */
function parseLevelSpec(name: string, raw: string, problems: ProblemList): LogLevelSpec | undefined {
  const spec: LogLevelSpec = { default: 'info', overrides: {} };
  const expected = `a level (${LOG_LEVEL_NAMES.join(', ')}) optionally followed by logger=level overrides, e.g. "info,payment=debug"`;
  for (const part of raw.split(',')) {
    const item = part.trim().toLowerCase();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const level = (eq === -1 ? item : item.slice(eq + 1).trim()) as LogLevelName;
    if (!LOG_LEVEL_NAMES.includes(level)) return problems.add(name, raw, expected);
    if (eq === -1) {
      spec.default = level;
    } else {
      const logger = part.trim().slice(0, eq).trim();
      if (!LOGGER_NAME.test(logger)) return problems.add(name, raw, expected);
      spec.overrides[logger] = level;
    }
  }
  return spec;
}

function signal(
  env: Env,
  problems: ProblemList,
  name: 'TRACES' | 'METRICS' | 'LOGS',
  base: { endpoint?: string; protocol: OtlpProtocol; headers: Record<string, string>; timeoutMs: number },
): OtlpSignalConfig {
  const protocol = readEnum(env, `OTEL_EXPORTER_OTLP_${name}_PROTOCOL`, PROTOCOLS, problems) ?? base.protocol;
  const own = readUrl(env, `OTEL_EXPORTER_OTLP_${name}_ENDPOINT`, problems);
  let endpoint: string;
  if (own !== undefined) endpoint = own;
  else {
    const root = base.endpoint ?? (protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318');
    endpoint = protocol === 'grpc' ? root : `${root.replace(/\/+$/, '')}/v1/${name.toLowerCase()}`;
  }
  const headers = readKeyValueList(env, `OTEL_EXPORTER_OTLP_${name}_HEADERS`, problems);
  const timeoutMs = readNumber(env, `OTEL_EXPORTER_OTLP_${name}_TIMEOUT`, problems, { min: 1, integer: true });
  return {
    endpoint,
    protocol,
    headers: { ...base.headers, ...headers },
    timeoutMs: timeoutMs ?? base.timeoutMs,
  };
}

/** A comma-separated exporter list such as `OTEL_METRICS_EXPORTER=otlp,prometheus`; `none` means no exporter. */
function readExporterList<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T[],
  problems: ProblemList,
): T[] {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const list = raw
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  if (list.length === 1 && list[0] === 'none') return [];
  const bad = list.filter((p) => !(allowed as readonly string[]).includes(p));
  if (bad.length > 0 || list.length === 0) {
    problems.add(name, raw, `a comma-separated list of ${allowed.join(', ')}, or none`);
    return fallback;
  }
  return [...new Set(list)] as T[];
}

/**
 * Reads and validates the standard `OTEL_*` variables and otelkit's own `OTELKIT_*` variables. Every problem is
 * collected and thrown as one {@link ConfigError} naming each variable, its value and what is accepted.
 *
 * @example
 * ```ts
 * const config = loadConfig({ OTEL_SERVICE_NAME: 'payment-api', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' });
 * config.traces.samplerArg; // 0.1
 * ```
 */
export function loadConfig(env: Env = process.env): OtelkitConfig {
  const problems = new ProblemList();
  const resourceAttributes = readKeyValueList(env, 'OTEL_RESOURCE_ATTRIBUTES', problems) ?? {};
  const serviceName = read(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'unknown_service:node';
  const serviceVersion = read(env, 'OTELKIT_SERVICE_VERSION') ?? resourceAttributes['service.version'];
  const environment =
    read(env, 'OTELKIT_ENVIRONMENT') ??
    resourceAttributes['deployment.environment.name'] ??
    resourceAttributes['deployment.environment'] ??
    'development';

  const baseProtocol = readEnum(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', PROTOCOLS, problems) ?? 'grpc';
  const base = {
    endpoint: readUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', problems),
    protocol: baseProtocol,
    headers: readKeyValueList(env, 'OTEL_EXPORTER_OTLP_HEADERS', problems) ?? {},
    timeoutMs: readNumber(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', problems, { min: 1, integer: true }) ?? 10_000,
  };

  const sampler = readEnum(env, 'OTEL_TRACES_SAMPLER', SAMPLERS, problems) ?? 'parentbased_always_on';
  let samplerArg: number | undefined;
  if (sampler.endsWith('traceidratio')) {
    samplerArg = readNumber(env, 'OTEL_TRACES_SAMPLER_ARG', problems, { min: 0, max: 1 }) ?? 1;
  }

  const propagatorsRaw = read(env, 'OTEL_PROPAGATORS');
  let propagators = ['tracecontext', 'baggage'];
  if (propagatorsRaw !== undefined) {
    const list = propagatorsRaw
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .filter(Boolean);
    const bad = list.filter((p) => !PROPAGATORS.includes(p));
    if (bad.length > 0)
      problems.add('OTEL_PROPAGATORS', propagatorsRaw, `a comma-separated list of ${PROPAGATORS.join(', ')}`);
    else propagators = list.includes('none') ? [] : list;
  }

  const levelRaw = read(env, 'OTELKIT_LOG_LEVEL');
  const level =
    levelRaw === undefined
      ? { default: 'info' as const, overrides: {} }
      : parseLevelSpec('OTELKIT_LOG_LEVEL', levelRaw, problems);
  const redactKeys = read(env, 'OTELKIT_REDACT_KEYS');

  const config: OtelkitConfig = {
    serviceName,
    environment,
    resourceAttributes,
    sdkDisabled: readBoolean(env, 'OTEL_SDK_DISABLED', problems) ?? false,
    diagLogLevel: readEnum(env, 'OTEL_LOG_LEVEL', DIAG_LEVELS, problems) ?? 'info',
    otlp: {
      traces: signal(env, problems, 'TRACES', base),
      metrics: signal(env, problems, 'METRICS', base),
      logs: signal(env, problems, 'LOGS', base),
    },
    traces: {
      sampler,
      propagators,
      batch: {
        scheduleDelayMs: readNumber(env, 'OTEL_BSP_SCHEDULE_DELAY', problems, { min: 0, integer: true }) ?? 5000,
        maxQueueSize: readNumber(env, 'OTEL_BSP_MAX_QUEUE_SIZE', problems, { min: 1, integer: true }) ?? 2048,
        maxExportBatchSize:
          readNumber(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', problems, { min: 1, integer: true }) ?? 512,
        exportTimeoutMs: readNumber(env, 'OTEL_BSP_EXPORT_TIMEOUT', problems, { min: 1, integer: true }) ?? 30_000,
      },
      attributeCountLimit: readNumber(env, 'OTEL_ATTRIBUTE_COUNT_LIMIT', problems, { min: 0, integer: true }) ?? 128,
    },
    metrics: {
      exportIntervalMs: readNumber(env, 'OTEL_METRIC_EXPORT_INTERVAL', problems, { min: 1, integer: true }) ?? 60_000,
      exportTimeoutMs: readNumber(env, 'OTEL_METRIC_EXPORT_TIMEOUT', problems, { min: 1, integer: true }) ?? 30_000,
      exporters: readExporterList(env, 'OTEL_METRICS_EXPORTER', ['otlp', 'prometheus'] as const, ['otlp'], problems),
      prometheus: {
        host: read(env, 'OTEL_EXPORTER_PROMETHEUS_HOST') ?? 'localhost',
        port: readNumber(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', problems, { min: 0, max: 65535, integer: true }) ?? 9464,
      },
    },
    logs: {
      level: level ?? { default: 'info', overrides: {} },
      exporter: readEnum(env, 'OTELKIT_LOGS_EXPORTER', ['none', 'otlp'] as const, problems) ?? 'none',
      debugSampleRatio: readNumber(env, 'OTELKIT_DEBUG_SAMPLE_RATIO', problems, { min: 0, max: 1 }) ?? 0,
      consoleCapture: readBoolean(env, 'OTELKIT_CONSOLE_CAPTURE', problems) ?? false,
    },
    redaction: {
      pii: readBoolean(env, 'OTELKIT_REDACT_PII', problems) ?? true,
      keys:
        redactKeys === undefined
          ? []
          : redactKeys
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean),
    },
  };
  if (serviceVersion !== undefined) config.serviceVersion = serviceVersion;
  if (samplerArg !== undefined) config.traces.samplerArg = samplerArg;
  const valueLimit = readNumber(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', problems, { min: 0, integer: true });
  if (valueLimit !== undefined) config.traces.attributeValueLengthLimit = valueLimit;
  const batch = config.traces.batch;
  if (batch.maxExportBatchSize > batch.maxQueueSize) {
    problems.add(
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      batch.maxExportBatchSize,
      `at most OTEL_BSP_MAX_QUEUE_SIZE (${batch.maxQueueSize})`,
    );
  }
  if (problems.problems.length > 0) throw new ConfigError(problems.problems);
  return config;
}
