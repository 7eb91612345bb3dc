import { readFileSync } from 'node:fs';
import type { AttributeValue } from '@opentelemetry/api';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  classifyError,
  correlationIdFrom,
  createRedactor,
  fingerprint,
  redact,
  serializeError,
  toAttributes,
} from '../src/index.js';
import { hostileValues } from './fixtures/hostile.js';

const schema = JSON.parse(readFileSync(new URL('../src/schema/log-record.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true });
ajv.addSchema(schema);
const validateError = ajv.getSchema(`${schema.$id}#/$defs/error`);
const redactor = createRedactor();

function isAttributeValue(v: unknown): v is AttributeValue {
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return true;
  if (Array.isArray(v)) {
    const kinds = new Set(v.filter((x) => x !== null && x !== undefined).map((x) => typeof x));
    return kinds.size <= 1 && [...kinds].every((k) => k === 'string' || k === 'number' || k === 'boolean');
  }
  return false;
}

// Each hostile value is run through every public function that takes arbitrary input. None may throw, and each
// output must still be what the function promises (a schema-valid error, JSON text, attribute values).
describe.each(hostileValues)('hostile input: %s', (_name, value) => {
  it('serializeError returns a schema-valid error', { timeout: 30_000 }, () => {
    const out = serializeError(value);
    expect(validateError?.(out), JSON.stringify(validateError?.errors)).toBe(true);
    expect(out.message.length).toBeLessThanOrEqual(8192 + 40);
    expect((out.stack_trace ?? '').length).toBeLessThanOrEqual(16384 + 40);
    expect(() => JSON.stringify(out)).not.toThrow();
  });

  it('classifyError returns a classification', { timeout: 30_000 }, () => {
    const c = classifyError(value);
    expect(['critical', 'high', 'medium', 'low']).toContain(c.severity);
    expect(['runtime', 'logic', 'integration', 'performance', 'configuration', 'security']).toContain(c.category);
    expect(typeof c.retryable).toBe('boolean');
  });

  it('fingerprint returns a stable non-empty string', { timeout: 30_000 }, () => {
    const a = fingerprint(value);
    expect(typeof a).toBe('string');
    expect(a.length).toBeGreaterThan(0);
    expect(fingerprint(value)).toBe(a);
  });

  it('redact returns a JSON-serializable copy', { timeout: 30_000 }, () => {
    const out = redact(value);
    const json = JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? `${v}` : v));
    if (json !== undefined) {
      expect(json).not.toContain('hunter2');
      expect(() => JSON.parse(json)).not.toThrow();
    }
  });

  it('stringify returns JSON text and leaks no planted secret', { timeout: 30_000 }, () => {
    const json = redactor.stringify(value);
    expect(typeof json).toBe('string');
    expect(() => JSON.parse(json)).not.toThrow();
    expect(json).not.toContain('hunter2');
  });

  it('toAttributes on a record carrying it in context returns attribute values', { timeout: 30_000 }, () => {
    const records = [{ service: 'svc', context: { value } }];
    if (value !== null && typeof value === 'object') records.push({ service: 'svc', context: value as never });
    for (const record of records) {
      const attrs = toAttributes(record);
      expect(attrs['service.name']).toBe('svc');
      for (const [k, v] of Object.entries(attrs)) expect(isAttributeValue(v), k).toBe(true);
    }
  });

  it('correlationIdFrom treats it as headers and still returns a valid id', () => {
    expect(correlationIdFrom(value as never)).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  });
});
