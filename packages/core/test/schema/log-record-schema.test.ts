import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  LOG_LEVELS,
  type LogRecord,
  type LogRequest,
  type LogUser,
  type SerializedError,
  serializeError,
} from '../../src/index.js';
import { cloneExample, designExampleRecord, exampleRecord } from '../fixtures/example-record.js';

const srcSchemaPath = fileURLToPath(new URL('../../src/schema/log-record.schema.json', import.meta.url));
const srcSchema = JSON.parse(readFileSync(srcSchemaPath, 'utf8'));

function compile(schema: object) {
  return new Ajv2020({ allErrors: true, strict: true }).compile(schema);
}
const validate = compile(srcSchema);

/** The errors of validating `record`, reduced to `path keyword` so that a rejection shows its reason. */
function reasons(record: unknown): string[] {
  validate(record);
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.keyword}`);
}

describe('the shipped JSON Schema (src/schema/log-record.schema.json)', () => {
  it('is a 2020-12 schema that ajv compiles in strict mode', () => {
    expect(srcSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof validate).toBe('function');
  });

  it('accepts the example record of DESIGN.md, verbatim', () => {
    expect(reasons(designExampleRecord)).toEqual([]);
  });

  it('accepts the example record as otelkit writes it (retryable, code, route)', () => {
    expect(reasons(exampleRecord)).toEqual([]);
  });

  it('accepts a minimal record and every level', () => {
    for (const level of LOG_LEVELS) {
      expect(reasons({ timestamp: '2025-10-11T14:23:45.123Z', level, message: 'm', service: 's' })).toEqual([]);
    }
  });

  it('accepts timestamps with 0, 3 and 9 fraction digits', () => {
    for (const timestamp of ['2025-10-11T14:23:45Z', '2025-10-11T14:23:45.123Z', '2025-10-11T14:23:45.123456789Z']) {
      expect(reasons({ ...exampleRecord, timestamp })).toEqual([]);
    }
  });

  it('accepts an error serialized from a real cause chain and an AggregateError', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const error = serializeError(new AggregateError([new TypeError('t'), 'text'], 'charge failed', { cause }));
    expect(error.cause?.code).toBe('ECONNREFUSED');
    expect(error.errors).toHaveLength(2);
    expect(reasons({ ...exampleRecord, error })).toEqual([]);
  });

  it('accepts any context object', () => {
    expect(reasons({ ...exampleRecord, context: { nested: { deep: [1, 'two', null] }, 'dotted.key': true } })).toEqual(
      [],
    );
  });

  const rejected: Array<[string, (r: Record<string, unknown>) => void, string]> = [
    ['a lower-case level', (r) => (r.level = 'error'), '/level enum'],
    ['an unknown level', (r) => (r.level = 'WARNING'), '/level enum'],
    ['an upper-case trace_id', (r) => (r.trace_id = '4BF92F3577B34DA6A3CE929D0E0E4736'), '/trace_id pattern'],
    ['a 31-character trace_id', (r) => (r.trace_id = '4bf92f3577b34da6a3ce929d0e0e473'), '/trace_id pattern'],
    ['a non-hex trace_id', (r) => (r.trace_id = 'zbf92f3577b34da6a3ce929d0e0e4736'), '/trace_id pattern'],
    ['a 32-character span_id', (r) => (r.span_id = '4bf92f3577b34da6a3ce929d0e0e4736'), '/span_id pattern'],
    ['an unknown top-level field', (r) => (r.msg = 'typo'), '/ additionalProperties'],
    ['a missing service', (r) => delete r.service, '/ required'],
    ['an empty service', (r) => (r.service = ''), '/service minLength'],
    ['a missing timestamp', (r) => delete r.timestamp, '/ required'],
    ['a missing message', (r) => delete r.message, '/ required'],
    ['a timestamp with an offset', (r) => (r.timestamp = '2025-10-11T16:23:45.123+02:00'), '/timestamp pattern'],
    ['a timestamp as a number', (r) => (r.timestamp = 1760192625123), '/timestamp type'],
    ['a correlation_id with CR/LF', (r) => (r.correlation_id = 'a\r\nSet-Cookie: x'), '/correlation_id pattern'],
    ['a correlation_id of 129 characters', (r) => (r.correlation_id = 'a'.repeat(129)), '/correlation_id pattern'],
    [
      'an unknown error severity',
      (r) => ((r.error as SerializedError).severity = 'urgent' as never),
      '/error/severity enum',
    ],
    [
      'an unknown error category',
      (r) => ((r.error as SerializedError).category = 'network' as never),
      '/error/category enum',
    ],
    [
      'an error without fingerprint',
      (r) => delete (r.error as Partial<SerializedError>).fingerprint,
      '/error required',
    ],
    ['an empty fingerprint', (r) => ((r.error as SerializedError).fingerprint = ''), '/error/fingerprint minLength'],
    [
      'a non-boolean retryable',
      (r) => ((r.error as SerializedError).retryable = 'yes' as never),
      '/error/retryable type',
    ],
    [
      'an unknown error field',
      (r) => ((r.error as unknown as Record<string, unknown>).stack = 'x'),
      '/error additionalProperties',
    ],
    ['a bad cause', (r) => ((r.error as SerializedError).cause = { type: 'X' } as never), '/error/cause required'],
    ['a user without id', (r) => (r.user = { session_id: 's' }), '/user required'],
    ['a user with an email', (r) => (r.user = { id: 'u', email: 'a@b.c' }), '/user additionalProperties'],
    ['a status code of 99', (r) => ((r.request as LogRequest).status_code = 99), '/request/status_code minimum'],
    ['a status code of 600', (r) => ((r.request as LogRequest).status_code = 600), '/request/status_code maximum'],
    ['a fractional status code', (r) => ((r.request as LogRequest).status_code = 402.5), '/request/status_code type'],
    ['a negative duration', (r) => ((r.request as LogRequest).duration_ms = -1), '/request/duration_ms minimum'],
    ['a request without path', (r) => delete (r.request as Partial<LogRequest>).path, '/request required'],
    ['a context that is an array', (r) => (r.context = ['a']), '/context type'],
  ];
  it.each(rejected)('rejects %s', (_name, change, reason) => {
    const record = cloneExample() as unknown as Record<string, unknown>;
    expect(reasons(record)).toEqual([]);
    change(record);
    expect(reasons(record)).toContain(reason);
  });
});

describe('the published schema (@otelkit/core/log-record.schema.json, built into dist/)', () => {
  const require = createRequire(import.meta.url);

  it('resolves through the package export to dist/ and equals the source file', () => {
    let path: string;
    try {
      path = require.resolve('@otelkit/core/log-record.schema.json');
    } catch (error) {
      throw new Error(`build @otelkit/core first (pnpm --filter @otelkit/core build): ${String(error)}`);
    }
    expect(path).toBe(fileURLToPath(new URL('../../dist/log-record.schema.json', import.meta.url)));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(srcSchema);
  });

  it('validates the example records and rejects a bad one', () => {
    const published = compile(require('@otelkit/core/log-record.schema.json'));
    expect(published(designExampleRecord)).toBe(true);
    expect(published(exampleRecord)).toBe(true);
    expect(published({ ...exampleRecord, level: 'LOUD' })).toBe(false);
  });

  it('is listed in the package exports and shipped files', () => {
    const pkg = require('../../package.json');
    expect(pkg.exports['./log-record.schema.json']).toBe('./dist/log-record.schema.json');
    expect(pkg.files).toContain('dist');
  });
});

// The schema file and the TypeScript types must not drift (as changesets snapshots its config schema). The maps
// below are checked by the compiler against the types — a field added, removed or made optional in a type fails
// `pnpm typecheck` until the map is updated — and by this test against the schema file.
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type Presence<T> = { [K in keyof T]-?: K extends RequiredKeys<T> ? 'required' : 'optional' };

const LOG_RECORD_FIELDS: Presence<LogRecord> = {
  timestamp: 'required',
  level: 'required',
  message: 'required',
  correlation_id: 'optional',
  trace_id: 'optional',
  span_id: 'optional',
  service: 'required',
  environment: 'optional',
  host: 'optional',
  version: 'optional',
  error: 'optional',
  user: 'optional',
  request: 'optional',
  context: 'optional',
};
const ERROR_FIELDS: Presence<SerializedError> = {
  type: 'required',
  message: 'required',
  stack_trace: 'optional',
  fingerprint: 'required',
  severity: 'required',
  category: 'required',
  retryable: 'required',
  code: 'optional',
  cause: 'optional',
  errors: 'optional',
};
const USER_FIELDS: Presence<LogUser> = { id: 'required', session_id: 'optional' };
const REQUEST_FIELDS: Presence<LogRequest> = {
  method: 'required',
  path: 'required',
  route: 'optional',
  status_code: 'optional',
  duration_ms: 'optional',
};
/**
 * Where the schema is deliberately more lenient than the type. otelkit always writes `retryable`, but the standard
 * record of the practice (the DESIGN.md example) does not carry it, and the schema must accept that record.
 */
const OPTIONAL_IN_SCHEMA_ONLY: Record<string, string[]> = { error: ['retryable'] };

interface ObjectSchema {
  properties: Record<string, unknown>;
  required?: string[];
}

function presenceOf(schema: ObjectSchema): Record<string, string> {
  return Object.fromEntries(
    Object.keys(schema.properties).map((k) => [k, schema.required?.includes(k) ? 'required' : 'optional']),
  );
}

function expectedPresence(fields: Record<string, string>, lenient: string[] = []): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, lenient.includes(k) ? 'optional' : v]));
}

describe('schema file and TypeScript types', () => {
  it('LogRecord: same fields, same required fields', () => {
    expect(presenceOf(srcSchema)).toEqual(expectedPresence(LOG_RECORD_FIELDS));
  });

  it('SerializedError: same fields, same required fields (retryable lenient)', () => {
    expect(presenceOf(srcSchema.$defs.error)).toEqual(expectedPresence(ERROR_FIELDS, OPTIONAL_IN_SCHEMA_ONLY.error));
  });

  it('LogUser and LogRequest: same fields, same required fields', () => {
    expect(presenceOf(srcSchema.properties.user)).toEqual(expectedPresence(USER_FIELDS));
    expect(presenceOf(srcSchema.properties.request)).toEqual(expectedPresence(REQUEST_FIELDS));
  });

  it('closes every object but context', () => {
    expect(srcSchema.additionalProperties).toBe(false);
    expect(srcSchema.$defs.error.additionalProperties).toBe(false);
    expect(srcSchema.properties.user.additionalProperties).toBe(false);
    expect(srcSchema.properties.request.additionalProperties).toBe(false);
    expect(srcSchema.properties.context.additionalProperties).toBeUndefined();
  });

  it('lists the levels of LOG_LEVELS', () => {
    expect(srcSchema.properties.level.enum).toEqual([...LOG_LEVELS]);
  });

  it('field list snapshot', () => {
    const list = (s: ObjectSchema, prefix = ''): string[] =>
      Object.entries(s.properties).flatMap(([k, v]) => {
        const def = v as ObjectSchema & { $ref?: string };
        const name = `${prefix}${k}${s.required?.includes(k) ? '' : '?'}`;
        if (def.$ref === '#/$defs/error' && prefix === '') return [name, ...list(srcSchema.$defs.error, `${k}.`)];
        return def.properties ? [name, ...list(def, `${k}.`)] : [name];
      });
    expect(list(srcSchema)).toMatchInlineSnapshot(`
      [
        "timestamp",
        "level",
        "message",
        "correlation_id?",
        "trace_id?",
        "span_id?",
        "service",
        "environment?",
        "host?",
        "version?",
        "error?",
        "error.type",
        "error.message",
        "error.stack_trace?",
        "error.fingerprint",
        "error.severity",
        "error.category",
        "error.retryable?",
        "error.code?",
        "error.cause?",
        "error.errors?",
        "user?",
        "user.id",
        "user.session_id?",
        "request?",
        "request.method",
        "request.path",
        "request.route?",
        "request.status_code?",
        "request.duration_ms?",
        "context?",
      ]
    `);
  });
});
