import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/index.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('has a default for everything', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      serviceName: 'unknown_service:node',
      environment: 'development',
      resourceAttributes: {},
      sdkDisabled: false,
      diagLogLevel: 'info',
      otlp: {
        traces: { endpoint: 'http://localhost:4317', protocol: 'grpc', headers: {}, timeoutMs: 10_000 },
        metrics: { endpoint: 'http://localhost:4317', protocol: 'grpc', headers: {}, timeoutMs: 10_000 },
        logs: { endpoint: 'http://localhost:4317', protocol: 'grpc', headers: {}, timeoutMs: 10_000 },
      },
      traces: {
        sampler: 'parentbased_always_on',
        propagators: ['tracecontext', 'baggage'],
        batch: { scheduleDelayMs: 5000, maxQueueSize: 2048, maxExportBatchSize: 512, exportTimeoutMs: 30_000 },
        attributeCountLimit: 128,
      },
      metrics: {
        exportIntervalMs: 60_000,
        exportTimeoutMs: 30_000,
        exporters: ['otlp'],
        prometheus: { host: 'localhost', port: 9464 },
      },
      logs: { level: { default: 'info', overrides: {} }, exporter: 'none', debugSampleRatio: 0, consoleCapture: false },
      redaction: { pii: true, keys: [] },
    });
  });

  it('reads process.env when no env is given', () => {
    const saved = process.env.OTEL_SERVICE_NAME;
    process.env.OTEL_SERVICE_NAME = 'from-process-env';
    try {
      expect(loadConfig().serviceName).toBe('from-process-env');
    } finally {
      if (saved === undefined) delete process.env.OTEL_SERVICE_NAME;
      else process.env.OTEL_SERVICE_NAME = saved;
    }
  });

  it('treats empty and blank values as unset, as the specification says', () => {
    expect(loadConfig({ OTEL_SERVICE_NAME: '', OTEL_TRACES_SAMPLER: '  ', OTEL_LOG_LEVEL: '' })).toMatchObject({
      serviceName: 'unknown_service:node',
      diagLogLevel: 'info',
      traces: { sampler: 'parentbased_always_on' },
    });
  });
});

describe('service and resource attributes', () => {
  it('OTEL_SERVICE_NAME, trimmed', () => {
    expect(loadConfig({ OTEL_SERVICE_NAME: ' payment-api ' }).serviceName).toBe('payment-api');
  });

  it('OTEL_RESOURCE_ATTRIBUTES: percent-decoded, `=` allowed in values, spaces around entries ignored', () => {
    const config = loadConfig({
      OTEL_RESOURCE_ATTRIBUTES:
        'service.name=from-attrs, service.version=2.3.1,deployment.environment.name=staging,team=pay%20ments,' +
        'query=a%3Db%2Cc,eq=a=b,unicode=caf%C3%A9,empty=',
    });
    expect(config.resourceAttributes).toEqual({
      'service.name': 'from-attrs',
      'service.version': '2.3.1',
      'deployment.environment.name': 'staging',
      team: 'pay ments',
      query: 'a=b,c',
      eq: 'a=b',
      unicode: 'café',
      empty: '',
    });
    expect(config).toMatchObject({ serviceName: 'from-attrs', serviceVersion: '2.3.1', environment: 'staging' });
  });

  it('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(
      loadConfig({ OTEL_SERVICE_NAME: 'from-env', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' }).serviceName,
    ).toBe('from-env');
  });

  it('falls back to the older deployment.environment attribute; OTELKIT_ENVIRONMENT wins', () => {
    expect(loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod' }).environment).toBe('prod');
    expect(
      loadConfig({ OTELKIT_ENVIRONMENT: 'qa', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod' })
        .environment,
    ).toBe('qa');
    expect(loadConfig({ OTELKIT_SERVICE_VERSION: 'v9' }).serviceVersion).toBe('v9');
  });

  it.each([
    ['an entry without =', 'service.name=a,broken'],
    ['an empty key', '=value'],
    ['bad percent-encoding', 'team=%ZZ'],
    ['a key with a space', 'my key=v'],
  ])('rejects %s', (_name, value) => {
    const error = configError({ OTEL_RESOURCE_ATTRIBUTES: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ field: 'OTEL_RESOURCE_ATTRIBUTES', value });
    expect(error.message).toContain('OTEL_RESOURCE_ATTRIBUTES');
    expect(error.message).toContain(JSON.stringify(value));
  });
});

describe('OTLP endpoints', () => {
  it('the default endpoint follows the protocol', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).otlp).toMatchObject({
      traces: { endpoint: 'http://localhost:4318/v1/traces', protocol: 'http/protobuf' },
      metrics: { endpoint: 'http://localhost:4318/v1/metrics' },
      logs: { endpoint: 'http://localhost:4318/v1/logs' },
    });
  });

  it('a base endpoint gets /v1/<signal> for HTTP, with or without a trailing slash', () => {
    for (const base of ['http://collector:4318', 'http://collector:4318/', 'http://collector:4318/otlp/']) {
      const { otlp } = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
      const root = base.replace(/\/+$/, '');
      expect([otlp.traces.endpoint, otlp.metrics.endpoint, otlp.logs.endpoint]).toEqual([
        `${root}/v1/traces`,
        `${root}/v1/metrics`,
        `${root}/v1/logs`,
      ]);
    }
  });

  it('a base endpoint is used as is for gRPC', () => {
    const { otlp } = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4317' });
    expect(otlp.traces.endpoint).toBe('https://collector:4317');
    expect(otlp.logs.endpoint).toBe('https://collector:4317');
  });

  it('a per-signal endpoint is used as is and beats the base one', () => {
    const { otlp } = loadConfig({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom/path',
    });
    expect(otlp.traces.endpoint).toBe('http://traces:9999/custom/path');
    expect(otlp.metrics.endpoint).toBe('http://collector:4318/v1/metrics');
  });

  it('a per-signal protocol beats the base one', () => {
    const { otlp } = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
    });
    expect(otlp.metrics).toMatchObject({ protocol: 'grpc', endpoint: 'http://collector:4318' });
    expect(otlp.traces).toMatchObject({ protocol: 'http/protobuf', endpoint: 'http://collector:4318/v1/traces' });
  });

  it('headers are percent-decoded and merged, per-signal over base; timeouts per signal', () => {
    const { otlp } = loadConfig({
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%20def,x-tenant=t1',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-tenant=logs',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
    });
    expect(otlp.traces).toMatchObject({ headers: { 'api-key': 'abc def', 'x-tenant': 't1' }, timeoutMs: 2500 });
    expect(otlp.logs).toMatchObject({ headers: { 'api-key': 'abc def', 'x-tenant': 'logs' }, timeoutMs: 5000 });
  });

  it.each(['collector:4317', 'ftp://collector', 'not a url', '/v1/traces'])('rejects the endpoint %s', (value) => {
    const error = configError({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: value });
    expect(error.problems).toEqual([
      { field: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', value, expected: 'an absolute http:// or https:// URL' },
    ]);
  });

  it('rejects an unknown protocol', () => {
    expect(configError({ OTEL_EXPORTER_OTLP_PROTOCOL: 'udp' }).problems[0]).toEqual({
      field: 'OTEL_EXPORTER_OTLP_PROTOCOL',
      value: 'udp',
      expected: 'one of grpc, http/protobuf, http/json',
    });
  });
});

describe('sampler', () => {
  it.each([
    'always_on',
    'always_off',
    'traceidratio',
    'parentbased_always_on',
    'parentbased_always_off',
    'parentbased_traceidratio',
  ])('accepts %s', (sampler) => {
    expect(loadConfig({ OTEL_TRACES_SAMPLER: sampler }).traces.sampler).toBe(sampler);
  });

  it('is case-insensitive', () => {
    expect(loadConfig({ OTEL_TRACES_SAMPLER: 'ParentBased_TraceIdRatio' }).traces.sampler).toBe(
      'parentbased_traceidratio',
    );
  });

  it('reads the ratio for the ratio samplers, 1 by default', () => {
    expect(loadConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).traces.samplerArg).toBe(
      0.25,
    );
    expect(loadConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' }).traces.samplerArg).toBe(1);
    expect(loadConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }).traces.samplerArg).toBe(0);
  });

  it('ignores the argument of samplers that take none', () => {
    const config = loadConfig({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'whatever' });
    expect(config.traces.samplerArg).toBeUndefined();
  });

  it.each(['1.5', '-0.1', 'abc', 'NaN', 'Infinity'])('rejects the ratio %s', (value) => {
    const error = configError({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: value });
    expect(error.problems).toEqual([{ field: 'OTEL_TRACES_SAMPLER_ARG', value, expected: 'a number >= 0 and <= 1' }]);
  });

  it.each(['sometimes', 'jaeger_remote', 'xray'])('rejects the sampler %s', (value) => {
    expect(configError({ OTEL_TRACES_SAMPLER: value }).problems[0]).toMatchObject({
      field: 'OTEL_TRACES_SAMPLER',
      value,
      expected: expect.stringContaining('parentbased_always_on'),
    });
  });
});

describe('log levels', () => {
  it.each(['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all', 'DEBUG'])('OTEL_LOG_LEVEL=%s', (level) => {
    expect(loadConfig({ OTEL_LOG_LEVEL: level }).diagLogLevel).toBe(level.toLowerCase());
  });

  it('rejects an unknown OTEL_LOG_LEVEL', () => {
    expect(configError({ OTEL_LOG_LEVEL: 'loud' }).problems[0]).toMatchObject({
      field: 'OTEL_LOG_LEVEL',
      value: 'loud',
    });
  });

  it('OTELKIT_LOG_LEVEL: a default and per-logger overrides', () => {
    expect(loadConfig({ OTELKIT_LOG_LEVEL: 'info,payment=debug,pg=warn' }).logs.level).toEqual({
      default: 'info',
      overrides: { payment: 'debug', pg: 'warn' },
    });
    expect(loadConfig({ OTELKIT_LOG_LEVEL: ' payment.db = TRACE , WARN ' }).logs.level).toEqual({
      default: 'warn',
      overrides: { 'payment.db': 'trace' },
    });
    expect(loadConfig({ OTELKIT_LOG_LEVEL: 'silent' }).logs.level).toEqual({ default: 'silent', overrides: {} });
    expect(loadConfig({ OTELKIT_LOG_LEVEL: '@otelkit/tracing=error' }).logs.level).toEqual({
      default: 'info',
      overrides: { '@otelkit/tracing': 'error' },
    });
  });

  it.each(['loud', 'info,payment=loud', 'info,=debug', 'info,bad name=debug', 'payment='])(
    'rejects OTELKIT_LOG_LEVEL=%s',
    (value) => {
      const error = configError({ OTELKIT_LOG_LEVEL: value });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ field: 'OTELKIT_LOG_LEVEL', value });
      expect(error.problems[0]?.expected).toContain('payment=debug');
    },
  );

  it('OTELKIT_DEBUG_SAMPLE_RATIO between 0 and 1', () => {
    expect(loadConfig({ OTELKIT_DEBUG_SAMPLE_RATIO: '0.1' }).logs.debugSampleRatio).toBe(0.1);
    expect(loadConfig({ OTELKIT_DEBUG_SAMPLE_RATIO: '1' }).logs.debugSampleRatio).toBe(1);
    for (const value of ['2', '-1', 'half']) {
      expect(configError({ OTELKIT_DEBUG_SAMPLE_RATIO: value }).problems).toEqual([
        { field: 'OTELKIT_DEBUG_SAMPLE_RATIO', value, expected: 'a number >= 0 and <= 1' },
      ]);
    }
  });
});

describe('other variables', () => {
  it('reads booleans, propagators, batch sizes and limits', () => {
    const config = loadConfig({
      OTEL_SDK_DISABLED: 'TRUE',
      OTEL_PROPAGATORS: 'tracecontext, b3multi',
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50',
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4096',
      OTELKIT_REDACT_PII: 'false',
      OTELKIT_REDACT_KEYS: 'iban, merchant_ref,,',
      OTELKIT_LOGS_EXPORTER: 'otlp',
    });
    expect(config.sdkDisabled).toBe(true);
    expect(config.traces.propagators).toEqual(['tracecontext', 'b3multi']);
    expect(config.traces.batch).toMatchObject({ maxQueueSize: 100, maxExportBatchSize: 50 });
    expect(config.traces.attributeValueLengthLimit).toBe(4096);
    expect(config.redaction).toEqual({ pii: false, keys: ['iban', 'merchant_ref'] });
    expect(config.logs.exporter).toBe('otlp');
    expect(loadConfig({ OTEL_PROPAGATORS: 'none' }).traces.propagators).toEqual([]);
  });

  it('checks that a batch fits in the queue', () => {
    expect(configError({ OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20' }).problems).toEqual([
      { field: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', value: 20, expected: 'at most OTEL_BSP_MAX_QUEUE_SIZE (10)' },
    ]);
  });
});

describe('ConfigError', () => {
  const env = {
    OTEL_TRACES_SAMPLER: 'traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '7',
    OTEL_LOG_LEVEL: 'loud',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317',
    OTELKIT_LOG_LEVEL: 'info,payment=shouty',
    OTELKIT_DEBUG_SAMPLE_RATIO: 'lots',
    OTEL_BSP_SCHEDULE_DELAY: '-5',
    OTEL_SDK_DISABLED: 'maybe',
    OTEL_PROPAGATORS: 'tracecontext,zipkin',
  };

  it('lists every invalid variable at once, as field, value and what is accepted', () => {
    const error = configError(env);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('OTELKIT_CONFIG_INVALID');
    expect([...error.problems].sort((a, b) => a.field.localeCompare(b.field))).toEqual([
      { field: 'OTEL_BSP_SCHEDULE_DELAY', value: '-5', expected: 'an integer >= 0' },
      {
        field: 'OTEL_EXPORTER_OTLP_ENDPOINT',
        value: 'collector:4317',
        expected: 'an absolute http:// or https:// URL',
      },
      { field: 'OTEL_LOG_LEVEL', value: 'loud', expected: 'one of none, error, warn, info, debug, verbose, all' },
      {
        field: 'OTEL_PROPAGATORS',
        value: 'tracecontext,zipkin',
        expected: 'a comma-separated list of tracecontext, baggage, b3, b3multi, jaeger, none',
      },
      { field: 'OTEL_SDK_DISABLED', value: 'maybe', expected: 'true or false' },
      { field: 'OTEL_TRACES_SAMPLER_ARG', value: '7', expected: 'a number >= 0 and <= 1' },
      { field: 'OTELKIT_DEBUG_SAMPLE_RATIO', value: 'lots', expected: 'a number >= 0 and <= 1' },
      {
        field: 'OTELKIT_LOG_LEVEL',
        value: 'info,payment=shouty',
        expected: expect.stringContaining('a level (trace, debug, info, warn, error, fatal, silent)'),
      },
    ]);
  });

  it('names each variable and value in its message, one line each', () => {
    const error = configError(env);
    expect(error.message.split('\n')[0]).toBe('Invalid otelkit configuration (8 problems):');
    for (const [name, value] of Object.entries(env)) {
      if (name === 'OTEL_TRACES_SAMPLER') continue;
      const line = error.message.split('\n').find((l) => l.startsWith(`  - ${name}=`));
      expect(line, name).toBe(
        `  - ${name}=${JSON.stringify(value)}: expected ${error.problems.find((p) => p.field === name)?.expected}`,
      );
    }
  });

  it('says "1 problem" for one', () => {
    expect(configError({ OTEL_LOG_LEVEL: 'loud' }).message).toBe(
      'Invalid otelkit configuration (1 problem):\n  - OTEL_LOG_LEVEL="loud": expected one of none, error, warn, info, debug, verbose, all',
    );
  });

  it('does not echo header values in its message', () => {
    const error = configError({
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t-token,broken',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=%ZZs3cr3t-key',
      OTEL_LOG_LEVEL: 'loud',
    });
    expect(error.problems.map((p) => p.field).sort()).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
      'OTEL_LOG_LEVEL',
    ]);
    expect(error.message).not.toContain('s3cr3t');
    expect(error.message).toContain('OTEL_EXPORTER_OTLP_HEADERS="<redacted>"');
    expect(error.message).toContain('OTEL_EXPORTER_OTLP_TRACES_HEADERS="<redacted>"');
    expect(error.message).toContain('OTEL_LOG_LEVEL="loud"');
  });

  it('cuts very long values in its message', () => {
    const error = configError({ OTEL_LOG_LEVEL: 'x'.repeat(1000) });
    expect(error.message).toContain(`"${'x'.repeat(200)}…"`);
    expect(error.message).not.toContain('x'.repeat(201));
  });
});
