import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_NAMES,
  fromAttributes,
  LOG_LEVELS,
  type LogRecord,
  levelFromSeverityNumber,
  RESOURCE_FIELDS,
  serializeError,
  severityNumber,
  toAttributes,
} from '../../src/index.js';
import { designExampleRecord, exampleRecord } from '../fixtures/example-record.js';

const schema = JSON.parse(readFileSync(new URL('../../src/schema/log-record.schema.json', import.meta.url), 'utf8'));

/** The fields that are the OpenTelemetry log record's own (Timestamp, SeverityText, Body, TraceId, SpanId). */
function withoutLogRecordFields(record: Partial<LogRecord>): Partial<LogRecord> {
  const { timestamp: _t, level: _l, message: _m, trace_id: _tr, span_id: _s, ...rest } = record;
  return rest;
}

describe('ATTRIBUTE_NAMES', () => {
  it('uses the OpenTelemetry semantic convention names', () => {
    expect(ATTRIBUTE_NAMES).toMatchObject({
      service: 'service.name',
      version: 'service.version',
      environment: 'deployment.environment.name',
      host: 'host.name',
      'error.type': 'exception.type',
      'error.message': 'exception.message',
      'error.stack_trace': 'exception.stacktrace',
      'user.id': 'user.id',
      'user.session_id': 'session.id',
      'request.method': 'http.request.method',
      'request.path': 'url.path',
      'request.route': 'http.route',
      'request.status_code': 'http.response.status_code',
    });
  });

  it('gives names of its own only under otelkit.*', () => {
    const semconv = new Set(['service', 'deployment', 'host', 'exception', 'user', 'session', 'http', 'url']);
    for (const name of Object.values(ATTRIBUTE_NAMES)) {
      const namespace = name.split('.')[0] as string;
      expect(semconv.has(namespace) || namespace === 'otelkit', name).toBe(true);
    }
  });

  it('never gives two fields the same attribute', () => {
    const names = Object.values(ATTRIBUTE_NAMES);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names exactly the schema fields that are attributes', () => {
    // Every leaf of the schema except the log record's own fields, `context` (its keys are attributes themselves)
    // and AggregateError members.
    const notAttributes = new Set(['timestamp', 'level', 'message', 'trace_id', 'span_id', 'context', 'error.errors']);
    const leaves: string[] = [];
    for (const [k, v] of Object.entries(schema.properties as Record<string, { properties?: object; $ref?: string }>)) {
      const nested = v.$ref === '#/$defs/error' ? schema.$defs.error.properties : v.properties;
      if (nested) for (const sub of Object.keys(nested)) leaves.push(`${k}.${sub}`);
      else leaves.push(k);
    }
    expect(Object.keys(ATTRIBUTE_NAMES).sort()).toEqual(leaves.filter((f) => !notAttributes.has(f)).sort());
  });

  it('marks the resource fields', () => {
    expect([...RESOURCE_FIELDS].sort()).toEqual(['environment', 'host', 'service', 'version']);
  });
});

describe('toAttributes / fromAttributes', () => {
  it('maps the example record of DESIGN.md', () => {
    expect(toAttributes(designExampleRecord as unknown as LogRecord)).toEqual({
      'service.name': 'payment-service',
      'service.version': 'v2.3.1',
      'deployment.environment.name': 'production',
      'host.name': 'pod-payment-7d4f8b9c-xk2l9',
      'otelkit.correlation_id': 'req-7f3b2a1c-4d5e',
      'exception.type': 'PaymentProcessingException',
      'exception.message': 'Failed to charge card: Insufficient funds',
      'exception.stacktrace': '...',
      'otelkit.error.fingerprint': 'payment-insufficient-funds',
      'otelkit.error.severity': 'medium',
      'otelkit.error.category': 'integration',
      'user.id': 'user-12345',
      'session.id': 'sess-abc123',
      'http.request.method': 'POST',
      'url.path': '/api/v1/payments/charge',
      'http.response.status_code': 402,
      'otelkit.request.duration_ms': 2547,
      payment_method: 'credit_card',
      amount: 149.99,
      currency: 'USD',
      merchant_id: 'merchant-789',
    });
  });

  it('round-trips the example record of DESIGN.md', () => {
    const record = designExampleRecord as unknown as LogRecord;
    expect(fromAttributes(toAttributes(record))).toEqual(withoutLogRecordFields(record));
  });

  it('round-trips every field of the type, a cause chain included', () => {
    const error = serializeError(new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'EPIPE' }) }));
    const record: LogRecord = { ...exampleRecord, error: { ...error, code: 'E_OUTER', retryable: true } };
    const back = fromAttributes(toAttributes(record));
    expect(back).toEqual(withoutLogRecordFields(record));
    expect(back.error?.cause?.code).toBe('EPIPE');
  });

  it('leaves the resource out on request', () => {
    const attrs = toAttributes(exampleRecord, { includeResource: false });
    for (const field of RESOURCE_FIELDS) expect(attrs).not.toHaveProperty([ATTRIBUTE_NAMES[field]]);
    expect(attrs['http.request.method']).toBe('POST');
  });

  it('maps a partial record', () => {
    expect(toAttributes({ request: { method: 'GET', path: '/health' } })).toEqual({
      'http.request.method': 'GET',
      'url.path': '/health',
    });
    expect(fromAttributes({ 'http.response.status_code': 500 })).toEqual({});
  });

  it('flattens nested context with dots, keeps homogeneous arrays, encodes the rest as JSON', () => {
    const attrs = toAttributes({
      context: {
        cart: { items: 2, coupon: { code: 'SPRING' } },
        tags: ['a', 'b'],
        amounts: [1, 2.5],
        mixed: [1, 'a'],
        big: 12345678901234567890n,
        at: new Date('2025-10-11T14:23:45.123Z'),
        never: new Date(Number.NaN),
        skipped: undefined,
        empty: null,
        deep: { a: { b: { c: { d: { e: { f: 1 } } } } } },
      },
    });
    expect(attrs).toEqual({
      'cart.items': 2,
      'cart.coupon.code': 'SPRING',
      tags: ['a', 'b'],
      amounts: [1, 2.5],
      mixed: '[1,"a"]',
      big: '"12345678901234567890"',
      at: '2025-10-11T14:23:45.123Z',
      never: 'Invalid Date',
      'deep.a.b.c.d': '{"e":{"f":1}}',
    });
  });

  it('puts unknown attributes into context and parses typed fields', () => {
    expect(
      fromAttributes({
        'otelkit.error.retryable': 'true',
        'http.request.method': 'GET',
        'otelkit.request.duration_ms': '12.5',
        'otelkit.error.cause': 'not json',
        'custom.key': 7,
      }),
    ).toEqual({
      error: { retryable: true, cause: undefined },
      request: { method: 'GET', duration_ms: 12.5 },
      context: { 'custom.key': 7 },
    });
  });
});

describe('severity numbers', () => {
  it('follow the OpenTelemetry logs data model', () => {
    expect(LOG_LEVELS.map((l) => severityNumber(l))).toEqual([1, 5, 9, 13, 17, 21]);
  });

  it('map back to levels over each range of four', () => {
    const levelOf = (n: number) => levelFromSeverityNumber(n);
    expect([1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24].map(levelOf)).toEqual([
      'TRACE',
      'TRACE',
      'DEBUG',
      'DEBUG',
      'INFO',
      'INFO',
      'WARN',
      'WARN',
      'ERROR',
      'ERROR',
      'FATAL',
      'FATAL',
    ]);
    expect([0, 25, -1, Number.NaN].map(levelOf)).toEqual(['INFO', 'INFO', 'INFO', 'INFO']);
    for (const level of LOG_LEVELS) expect(levelOf(severityNumber(level))).toBe(level);
  });
});
