import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  droppedTelemetry,
  hasRecordListeners,
  type LogRecord,
  onRecord,
  publishRecord,
  recordDropped,
  setWarningSink,
  type WarningSink,
  warnOnce,
} from '../../src/index.js';
import { exampleRecord } from '../fixtures/example-record.js';

const schema = JSON.parse(readFileSync(new URL('../../src/schema/log-record.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020().compile(schema);

// Keys are unique per test: the rate-limit state is process-wide by design.
let n = 0;
const key = (name: string) => `test.${name}.n${++n}`;

describe('warnOnce', () => {
  let lines: string[];
  let previous: WarningSink;
  beforeEach(() => {
    lines = [];
    previous = setWarningSink((line) => lines.push(line));
  });
  afterEach(() => {
    setWarningSink(previous);
  });

  it('writes one WARN record of the core schema', () => {
    const k = key('exporter');
    expect(warnOnce(k, 'trace export failed', { endpoint: 'http://127.0.0.1:4317', attempts: 3 })).toBe(true);
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] as string);
    expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
    expect(record).toMatchObject({
      level: 'WARN',
      message: 'otelkit: trace export failed',
      context: { endpoint: 'http://127.0.0.1:4317', attempts: 3, 'otelkit.warning': k },
    });
  });

  it('reports a key at most once per interval, then says how many repeats it suppressed', () => {
    const k = key('repeat');
    expect(warnOnce(k, 'first')).toBe(true);
    expect(warnOnce(k, 'second')).toBe(false);
    expect(warnOnce(k, 'third')).toBe(false);
    expect(warnOnce(key('other'), 'another key')).toBe(true);
    expect(warnOnce(k, 'after the interval', {}, 0)).toBe(true);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2] as string).context).toEqual({ 'otelkit.warning': k, suppressed: 2 });
  });

  it('redacts secrets in the message and context, and keeps addresses', () => {
    warnOnce(key('secret'), 'export failed: Authorization: Bearer abc123def', {
      headers: { authorization: 'Bearer abc123def', 'x-api-key': 'k-42-secret' },
      url: 'http://10.0.0.7:4318/v1/logs?token=tok-999',
      error: new Error('password=hunter2 rejected'),
    });
    const line = lines[0] as string;
    for (const secret of ['abc123def', 'k-42-secret', 'tok-999', 'hunter2']) expect(line).not.toContain(secret);
    expect(line).toContain('10.0.0.7:4318');
  });

  it('never throws: hostile context, throwing sink', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('ownKeys');
        },
      },
    );
    expect(warnOnce(key('hostile'), 'with a hostile context', hostile as Record<string, unknown>)).toBe(true);
    expect(JSON.parse(lines[0] as string).context).toMatchObject({ 'otelkit.warning': expect.any(String) });
    setWarningSink(() => {
      throw new Error('sink broke');
    });
    expect(warnOnce(key('sink'), 'sink throws')).toBe(false);
  });

  it('setWarningSink returns the previous sink', () => {
    const mine: WarningSink = () => {};
    const before = setWarningSink(mine);
    expect(setWarningSink(before)).toBe(mine);
  });
});

describe('record hooks', () => {
  it('publishes to every listener, survives a throwing one, and unsubscribes', () => {
    const got: Array<Readonly<LogRecord>> = [];
    const offThrowing = onRecord(() => {
      throw new Error('listener');
    });
    const off = onRecord((record) => got.push(record));
    expect(hasRecordListeners()).toBe(true);
    publishRecord(exampleRecord);
    expect(got).toEqual([exampleRecord]);
    off();
    offThrowing();
    publishRecord(exampleRecord);
    expect(got).toHaveLength(1);
    expect(hasRecordListeners()).toBe(false);
  });
});

describe('dropped telemetry', () => {
  it('counts per signal and reason, ignoring counts that are not positive', () => {
    const reason = `queue_full_${Math.random()}`;
    recordDropped('spans', 3, reason);
    recordDropped('spans', 2, reason);
    recordDropped('logs', 1, reason);
    recordDropped('spans', 0, reason);
    recordDropped('spans', -4, reason);
    recordDropped('spans', Number.NaN, reason);
    const mine = droppedTelemetry().filter((d) => d.reason === reason);
    expect(mine).toEqual([
      { signal: 'spans', reason, count: 5 },
      { signal: 'logs', reason, count: 1 },
    ]);
  });

  it('returns a snapshot, not the live counters', () => {
    const reason = `snapshot_${Math.random()}`;
    recordDropped('metrics', 1, reason);
    const snapshot = droppedTelemetry().find((d) => d.reason === reason);
    if (snapshot) snapshot.count = 1000;
    expect(droppedTelemetry().find((d) => d.reason === reason)?.count).toBe(1);
  });
});
