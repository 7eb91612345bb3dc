import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ConfigError, type ConfigProblem, loadConfig, type OtelkitConfig } from '@otelkit/core';
import {
  DEFAULT_INSTRUMENTATIONS,
  type InstrumentationEntry,
  type InstrumentationName,
  isInstrumentationName,
  type TracingOptions,
} from './options.js';

/** Options and environment, validated once at start: code wins over env, env over defaults. */
export interface ResolvedTracingConfig {
  env: OtelkitConfig;
  endpoint: string;
  headers: Record<string, string>;
  exportTimeoutMs: number;
  instrumentations: { names: InstrumentationName[]; custom: Instrumentation[] };
  exitHandlers: boolean;
  shutdownTimeoutMs: number;
}

function isInstrumentation(value: unknown): value is Instrumentation {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Instrumentation).enable === 'function' &&
    typeof (value as Instrumentation).disable === 'function' &&
    typeof (value as Instrumentation).instrumentationName === 'string'
  );
}

function validUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Reads the environment through core's `loadConfig` (which throws one `ConfigError` for every bad variable) and
 * checks the options against it; every bad option is reported in one `ConfigError` too.
 */
export function resolveConfig(options: TracingOptions = {}): ResolvedTracingConfig {
  const env = loadConfig();
  const problems: ConfigProblem[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([{ field: 'options', value: options, expected: 'an options object or nothing' }]);
  }
  const otlp = env.otlp.traces;
  if (otlp.protocol !== 'grpc' && options.exporter === undefined) {
    problems.push({
      field: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
      value: otlp.protocol,
      expected: '"grpc" (@otelkit/tracing exports over OTLP/gRPC; pass `exporter` to use another)',
    });
  }
  const endpoint = options.endpoint ?? otlp.endpoint;
  if (typeof endpoint !== 'string' || !validUrl(endpoint)) {
    problems.push({ field: 'options.endpoint', value: endpoint, expected: 'an http:// or https:// URL' });
  }

  let list: readonly InstrumentationEntry[] = DEFAULT_INSTRUMENTATIONS;
  if (typeof options.instrumentations === 'function') {
    try {
      list = options.instrumentations(DEFAULT_INSTRUMENTATIONS);
    } catch (error) {
      problems.push({
        field: 'options.instrumentations',
        value: String(error),
        expected: 'a function that returns a list',
      });
      list = [];
    }
  } else if (options.instrumentations !== undefined) {
    list = options.instrumentations;
  }
  const names: InstrumentationName[] = [];
  const custom: Instrumentation[] = [];
  if (!Array.isArray(list)) {
    problems.push({
      field: 'options.instrumentations',
      value: list,
      expected: `an array of ${DEFAULT_INSTRUMENTATIONS.join(', ')} or instrumentation instances, or (defaults) => array`,
    });
  } else {
    list.forEach((entry, i) => {
      if (isInstrumentationName(entry)) {
        if (!names.includes(entry)) names.push(entry);
      } else if (isInstrumentation(entry)) custom.push(entry);
      else
        problems.push({
          field: `options.instrumentations[${i}]`,
          value: entry,
          expected: `one of ${DEFAULT_INSTRUMENTATIONS.join(', ')} or an OpenTelemetry Instrumentation instance`,
        });
    });
  }

  if (options.sampler !== undefined && typeof options.sampler?.shouldSample !== 'function') {
    problems.push({ field: 'options.sampler', value: options.sampler, expected: 'an OpenTelemetry Sampler' });
  }
  if (options.exporter !== undefined && typeof options.exporter?.export !== 'function') {
    problems.push({ field: 'options.exporter', value: options.exporter, expected: 'an OpenTelemetry SpanExporter' });
  }
  if (options.exitHandlers !== undefined && typeof options.exitHandlers !== 'boolean') {
    problems.push({ field: 'options.exitHandlers', value: options.exitHandlers, expected: 'true or false' });
  }
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  if (typeof shutdownTimeoutMs !== 'number' || !Number.isFinite(shutdownTimeoutMs) || shutdownTimeoutMs < 0) {
    problems.push({ field: 'options.shutdownTimeoutMs', value: shutdownTimeoutMs, expected: 'a number of ms >= 0' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env,
    endpoint,
    headers: otlp.headers,
    exportTimeoutMs: otlp.timeoutMs,
    instrumentations: { names, custom },
    exitHandlers: options.exitHandlers ?? true,
    shutdownTimeoutMs,
  };
}
