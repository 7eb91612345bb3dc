import {
  ConfigError,
  type ConfigProblem,
  type LogLevelName,
  type LogLevelSpec,
  loadConfig,
  type OtelkitConfig,
  type RedactorOptions,
  warnOnce,
} from '@otelkit/core';
import type { LogDestination, LoggerOptions, PrettyOptions } from '../options.js';
import { isLevelName, LEVEL_VALUES, levelForName } from './levels.js';
import { type OtlpSinkConfig, otlpAvailability } from './otlp-sink.js';

/** Everything createLogger needs, validated once: code first, then environment, then defaults. */
export interface ResolvedConfig {
  config: OtelkitConfig;
  name: string | undefined;
  level: LogLevelName;
  spec: LogLevelSpec;
  destination: LogDestination | undefined;
  sync: boolean;
  pretty: PrettyOptions | undefined;
  redactor: RedactorOptions & { censor: string };
  maxStringLength: number;
  debugSampleRatio: number;
  debugAllowList: string[];
  otlp: OtlpSinkConfig | undefined;
}

const LEVELS = Object.keys(LEVEL_VALUES).join(', ');
const NAME = /^[A-Za-z0-9_.:/@-]{1,100}$/;

export function resolveConfig(options: LoggerOptions): ResolvedConfig {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError([{ field: 'options', value: options, expected: 'an options object or nothing' }]);
  }
  const config = loadConfig();
  const problems: ConfigProblem[] = [];
  const check = (ok: boolean, field: string, value: unknown, expected: string): void => {
    if (!ok) problems.push({ field, value, expected });
  };

  const { name } = options;
  check(
    name === undefined || (typeof name === 'string' && NAME.test(name)),
    'options.name',
    name,
    '1–100 characters of [A-Za-z0-9_.:/@-]',
  );
  check(options.level === undefined || isLevelName(options.level), 'options.level', options.level, `one of ${LEVELS}`);
  const spec = config.logs.level;
  const level = options.level ?? levelForName(spec, name) ?? spec.default;

  const d = options.destination;
  check(
    d === undefined ||
      (typeof d === 'string' && d !== '') ||
      (typeof d === 'number' && Number.isInteger(d) && d >= 0) ||
      (typeof d === 'object' && d !== null && typeof (d as { write?: unknown }).write === 'function'),
    'options.destination',
    typeof d === 'object' && d !== null ? '[object without write()]' : d,
    "'stdout', 'stderr', a file path, a file descriptor or a stream with write()",
  );
  const sync = options.sync ?? true;
  check(typeof sync === 'boolean', 'options.sync', options.sync, 'true or false');
  let pretty: PrettyOptions | undefined;
  if (options.pretty === true) pretty = {};
  else if (options.pretty !== undefined && options.pretty !== false) {
    check(
      typeof options.pretty === 'object' && options.pretty !== null,
      'options.pretty',
      options.pretty,
      'true, false or { colorize }',
    );
    pretty = options.pretty;
  }

  const maxStringLength = options.maxStringLength ?? 8192;
  check(
    Number.isInteger(maxStringLength) && maxStringLength >= 16,
    'options.maxStringLength',
    options.maxStringLength,
    'an integer ≥ 16',
  );
  const debugSampleRatio = options.debugSampleRatio ?? config.logs.debugSampleRatio;
  check(
    typeof debugSampleRatio === 'number' && debugSampleRatio >= 0 && debugSampleRatio <= 1,
    'options.debugSampleRatio',
    options.debugSampleRatio,
    'a number from 0 to 1',
  );
  const debugAllowList: string[] = [];
  if (options.debugAllowList !== undefined) {
    try {
      for (const id of options.debugAllowList) debugAllowList.push(String(id));
    } catch {
      check(false, 'options.debugAllowList', options.debugAllowList, 'an iterable of user ids and correlation ids');
    }
  }

  const redact = options.redact ?? {};
  check(typeof redact === 'object' && redact !== null, 'options.redact', options.redact, '{ keys, pii, censor }');
  const envKeys = config.redaction.keys;
  const keys = redact.keys;
  check(
    keys === undefined || Array.isArray(keys) || typeof keys === 'function',
    'options.redact.keys',
    keys,
    'an array of strings and RegExps, or (defaults) => list',
  );
  const censor = redact.censor ?? '[REDACTED]';
  check(typeof censor === 'string', 'options.redact.censor', redact.censor, 'a string');
  const pii = redact.pii ?? config.redaction.pii;
  check(typeof pii === 'boolean', 'options.redact.pii', redact.pii, 'true or false');
  const redactor: ResolvedConfig['redactor'] = {
    keys:
      typeof keys === 'function'
        ? (defaults: readonly string[]) => [...keys(defaults), ...envKeys]
        : [...envKeys, ...(Array.isArray(keys) ? keys : [])],
    pii,
    censor,
    maxStringLength,
  };

  const otlp = resolveOtlp(options, config, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    config,
    name,
    level,
    spec,
    destination: options.destination,
    sync,
    pretty,
    redactor,
    maxStringLength,
    debugSampleRatio,
    debugAllowList,
    otlp,
  };
}

function resolveOtlp(
  options: LoggerOptions,
  config: OtelkitConfig,
  problems: ConfigProblem[],
): OtlpSinkConfig | undefined {
  const option = options.otlp;
  const fromEnv = option === undefined;
  if (fromEnv ? config.logs.exporter !== 'otlp' : option === false) return undefined;
  if (option !== undefined && typeof option !== 'boolean' && (typeof option !== 'object' || option === null)) {
    problems.push({ field: 'options.otlp', value: option, expected: 'true, false or an OTLP options object' });
    return undefined;
  }
  const o = typeof option === 'object' ? option : {};
  const env = config.otlp.logs;
  if (o.endpoint === undefined && env.protocol !== 'grpc') {
    problems.push({
      field: 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL',
      value: env.protocol,
      expected: 'grpc (@otelkit/logging exports logs over OTLP/gRPC)',
    });
  }
  const endpoint = o.endpoint ?? env.endpoint;
  if (typeof endpoint !== 'string' || !URL.canParse(endpoint)) {
    problems.push({ field: 'options.otlp.endpoint', value: endpoint, expected: 'a URL such as http://localhost:4317' });
  }
  const positive = (field: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1) problems.push({ field, value, expected: 'an integer ≥ 1' });
    return value;
  };
  const resolved: OtlpSinkConfig = {
    endpoint,
    headers: o.headers ?? env.headers,
    timeoutMs: positive('options.otlp.timeoutMs', o.timeoutMs, env.timeoutMs),
    maxQueueSize: positive('options.otlp.maxQueueSize', o.maxQueueSize, 2048),
    maxExportBatchSize: positive('options.otlp.maxExportBatchSize', o.maxExportBatchSize, 512),
    scheduledDelayMs: positive('options.otlp.scheduledDelayMs', o.scheduledDelayMs, 1000),
  };
  if (resolved.maxExportBatchSize > resolved.maxQueueSize) {
    problems.push({
      field: 'options.otlp.maxExportBatchSize',
      value: resolved.maxExportBatchSize,
      expected: `at most options.otlp.maxQueueSize (${resolved.maxQueueSize})`,
    });
  }
  const missing = otlpAvailability();
  if (missing !== undefined) {
    const expected =
      'the optional peers @opentelemetry/sdk-logs@0.223.0, @opentelemetry/exporter-logs-otlp-grpc@0.223.0 and @opentelemetry/resources@2 to be installed';
    // Asked for in code: a clear error at start. Asked for by the environment only: keep logging, say why once.
    if (!fromEnv) problems.push({ field: 'options.otlp', value: true, expected });
    else
      warnOnce(
        'logging.otlp.unavailable',
        `OTELKIT_LOGS_EXPORTER=otlp is set but OTLP export is off: expected ${expected}`,
        { error: missing.message },
      );
    return undefined;
  }
  return resolved;
}
