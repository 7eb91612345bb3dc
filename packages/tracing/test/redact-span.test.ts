import type { Attributes, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createRedactor, type Redactor } from '@otelkit/core';
import { describe, expect, it } from 'vitest';
import { createSpanRedactor } from '../src/export/redact-span.js';

// The span redactor decides per attribute key once and then reuses the decision; what it exports must be exactly
// what redacting every attribute from scratch gives, whatever values the same keys carry from span to span.

const STRUCTURAL = [
  'otelkit.correlation_id',
  'http.request.method',
  'url.scheme',
  'network.protocol.version',
  'http.route',
];

/** Redaction from scratch, attribute by attribute: the specification the span redactor is held to. */
function reference(redactor: Redactor, span: FakeSpan): void {
  const attributes = (all: Attributes): void => {
    for (const key of Object.keys(all)) {
      const value = all[key];
      if (value === undefined || STRUCTURAL.includes(key)) continue;
      if (redactor.isSensitiveKey(key)) all[key] = '[REDACTED]';
      else if (typeof value === 'string') all[key] = redactor.redactString(value);
      else if (Array.isArray(value))
        all[key] = value.map((v) => (typeof v === 'string' ? redactor.redactString(v) : v)) as string[];
    }
  };
  attributes(span.attributes);
  for (const event of span.events) if (event.attributes) attributes(event.attributes);
  if (span.status.message) span.status = { ...span.status, message: redactor.redactString(span.status.message) };
}

interface FakeSpan {
  attributes: Attributes;
  events: { name: string; attributes?: Attributes }[];
  status: SpanStatus;
}

const VALUES = [
  'GET',
  '/checkout',
  '127.0.0.1',
  'token=s3cr3t-value&page=2',
  'customer said password=hunter2',
  'card 4111 1111 1111 1111',
  'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl',
  'mail ada@example.com',
  'plain',
  '',
  42,
  0,
  true,
  ['a', 'password=x', 'ada@example.com'],
  [1, 2, 3],
  undefined,
];

const KEYS = [
  ...STRUCTURAL,
  'http.request.header.authorization',
  'http.request.header.cookie',
  'db.password',
  'merchant_secret_ref',
  'url.query',
  'payment.note',
  'client.address',
  'server.port',
  'tags',
];

function makeSpan(seed: number): FakeSpan {
  const attributes: Attributes = {};
  for (let k = 0; k < KEYS.length; k++) {
    // Each key carries a different kind of value from span to span: a string, a number, an array, nothing.
    attributes[KEYS[k] as string] = VALUES[(seed * 7 + k * 3) % VALUES.length] as Attributes[string];
  }
  const message = VALUES[(seed + 4) % VALUES.length];
  return {
    attributes,
    events: [{ name: 'exception', attributes: { 'exception.message': VALUES[seed % VALUES.length] as string } }],
    status: typeof message === 'string' ? { code: 2, message } : { code: 0 },
  };
}

describe('createSpanRedactor', () => {
  it('redacts each span exactly as redacting it from scratch does, over spans whose keys repeat with any value', () => {
    const options = { keys: ['merchant_secret_ref'] };
    const redact = createSpanRedactor(createRedactor(options));
    const oracle = createRedactor(options);
    for (let seed = 0; seed < 3 * VALUES.length; seed++) {
      const actual = makeSpan(seed);
      const expected = makeSpan(seed);
      redact(actual as unknown as ReadableSpan);
      reference(oracle, expected);
      expect(actual, `span ${seed}`).toEqual(expected);
    }
  });

  it('withholds sensitive keys, scans other strings and leaves structural attributes, numbers and booleans', () => {
    const redact = createSpanRedactor(createRedactor({ keys: ['merchant_secret_ref'] }));
    for (let round = 0; round < 3; round++) {
      const span: FakeSpan = {
        attributes: {
          'http.request.header.authorization': round === 1 ? 7 : 'Basic dXNlcjpwYXNz',
          merchant_secret_ref: 'msr_1',
          'url.query': 'token=s3cr3t-value&page=2',
          'otelkit.correlation_id': 'password=visible-by-design',
          'server.port': 8080,
          'feature.enabled': false,
          'payment.id': 'pay_123',
          tags: ['ok', 'password=hunter2'],
        },
        events: [{ name: 'exception', attributes: { 'exception.message': 'login failed for ada@example.com' } }],
        status: { code: 2, message: 'declined: card 4111 1111 1111 1111' },
      };
      redact(span as unknown as ReadableSpan);
      expect(span).toEqual({
        attributes: {
          'http.request.header.authorization': '[REDACTED]',
          merchant_secret_ref: '[REDACTED]',
          'url.query': 'token=[REDACTED]&page=2',
          'otelkit.correlation_id': 'password=visible-by-design',
          'server.port': 8080,
          'feature.enabled': false,
          'payment.id': 'pay_123',
          tags: ['ok', 'password=[REDACTED]'],
        },
        events: [{ name: 'exception', attributes: { 'exception.message': 'login failed for [REDACTED]' } }],
        status: { code: 2, message: 'declined: card [REDACTED]' },
      });
    }
  });

  it('keeps deciding correctly after more distinct keys than it remembers', () => {
    const redact = createSpanRedactor(createRedactor());
    for (let i = 0; i < 5000; i++) {
      const span: FakeSpan = {
        attributes: { [`custom.${i}`]: 'password=hunter2', [`custom.${i}.token`]: 'abc', 'db.password': 'x' },
        events: [],
        status: { code: 0 },
      };
      redact(span as unknown as ReadableSpan);
      expect(span.attributes).toEqual({
        [`custom.${i}`]: 'password=[REDACTED]',
        [`custom.${i}.token`]: '[REDACTED]',
        'db.password': '[REDACTED]',
      });
    }
  });
});
