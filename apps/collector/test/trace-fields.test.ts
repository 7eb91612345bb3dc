import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Collector, startCollector } from '../src/index.js';
import { traceMessageEncoders } from '../src/otlp/proto.js';
import {
  type MessageEncoder,
  probeTraceFields,
  type ScannedMessage,
  type TraceMessageEncoders,
} from '../src/otlp/trace-fields.js';
import { scannerFieldTables, scanTraces, useFieldTables } from '../src/otlp/trace-scan.js';
import { isFailedRequest, routeOf } from '../src/query/request-rules.js';

const RULES = { routeOf, isFailed: isFailedRequest };
const running: Collector[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  // The scanner's own probe again, whatever a test installed.
  useFieldTables(probeTraceFields(traceMessageEncoders()));
});

interface MessageType extends MessageEncoder {
  decode(data: Uint8Array): Record<string, unknown>;
}

/** The generated message types, loaded by the test itself. */
function generatedTypes(): Record<ScannedMessage, MessageType> {
  type Types = Record<string, MessageType>;
  const p = (
    createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
      opentelemetry: {
        proto: {
          collector: { trace: { v1: Types } };
          trace: { v1: Types & { Span: MessageType & Types } };
          common: { v1: Types };
        };
      };
    }
  ).opentelemetry.proto;
  return {
    request: p.collector.trace.v1.ExportTraceServiceRequest!,
    resourceSpans: p.trace.v1.ResourceSpans!,
    scopeSpans: p.trace.v1.ScopeSpans!,
    span: p.trace.v1.Span,
    event: p.trace.v1.Span.Event!,
    link: p.trace.v1.Span.Link!,
    status: p.trace.v1.Status!,
    keyValue: p.common.v1.KeyValue!,
    anyValue: p.common.v1.AnyValue!,
    arrayValue: p.common.v1.ArrayValue!,
    keyValueList: p.common.v1.KeyValueList!,
  };
}

/** Each top-level field of an encoded message: number, wire type and the bytes of its tag and value. */
function topLevelFields(data: Uint8Array): { field: number; wireType: number; start: number; end: number }[] {
  const out: { field: number; wireType: number; start: number; end: number }[] = [];
  let at = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const c = data[at++]!;
      v |= BigInt(c & 0x7f) << shift;
      if (c < 0x80) return Number(v & 0xffffffffn);
    }
  };
  while (at < data.length) {
    const start = at;
    const tag = varint();
    const wireType = tag & 7;
    if (wireType === 0) varint();
    else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === 2) {
      const length = varint();
      at += length;
    } else throw new Error(`wire type ${wireType}`);
    out.push({ field: tag >>> 3, wireType, start, end: at });
  }
  return out;
}

const id = (hex: string) => Buffer.from(hex, 'hex');
const long = (n: bigint) => ({ low: Number(n & 0xffffffffn) | 0, high: Number(n >> 32n) | 0, unsigned: true });
const kv = (key: string, value: object) => ({ key, value });
const t0 = 1_760_000_000_000_000_000n;

/** One message of each scanned type with every field set (every member of AnyValue's oneof, too). */
function fullyPopulated(): Record<ScannedMessage, object> {
  const anyValue = {
    stringValue: 's',
    boolValue: true,
    intValue: 7,
    doubleValue: 2.5,
    arrayValue: { values: [{ stringValue: 'y' }] },
    kvlistValue: { values: [kv('inner', { boolValue: true })] },
    bytesValue: id('0102'),
  };
  const keyValue = kv('k', { stringValue: 'v' });
  const event = { timeUnixNano: long(t0), name: 'exception', attributes: [keyValue], droppedAttributesCount: 4 };
  const link = {
    traceId: id('5bf92f3577b34da6a3ce929d0e0e4736'),
    spanId: id('2222222222222222'),
    traceState: 'a=b',
    attributes: [keyValue],
    droppedAttributesCount: 6,
    flags: 1,
  };
  const status = { message: 'boom', code: 2 };
  const span = {
    traceId: id('4bf92f3577b34da6a3ce929d0e0e4736'),
    spanId: id('00f067aa0ba902b7'),
    traceState: 'k=v',
    parentSpanId: id('1111111111111111'),
    flags: 257,
    name: 'POST /every',
    kind: 2,
    startTimeUnixNano: long(t0),
    endTimeUnixNano: long(t0 + 7_000_000n),
    attributes: [keyValue],
    droppedAttributesCount: 3,
    events: [event],
    droppedEventsCount: 5,
    links: [link],
    droppedLinksCount: 7,
    status,
  };
  const scopeSpans = { scope: { name: 'scope', version: '9' }, spans: [span], schemaUrl: 'https://s/1' };
  const resourceSpans = {
    resource: { attributes: [kv('service.name', { stringValue: 'every-field' })] },
    scopeSpans: [scopeSpans],
    schemaUrl: 'https://s/2',
  };
  return {
    request: { resourceSpans: [resourceSpans] },
    resourceSpans,
    scopeSpans,
    span,
    event,
    link,
    status,
    keyValue,
    anyValue,
    arrayValue: { values: [anyValue] },
    keyValueList: { values: [keyValue] },
  };
}

describe('the scanner’s field table, probed from the generated encoders', () => {
  it('holds every field the generated encoder writes for a fully populated message, under the right name', () => {
    const tables = scannerFieldTables();
    expect(tables).not.toBeNull();
    const types = generatedTypes();
    for (const [key, message] of Object.entries(fullyPopulated()) as [ScannedMessage, object][]) {
      const type = types[key];
      const bytes = type.encode(message).finish();
      const written = topLevelFields(bytes);
      const probed = tables!.probed.filter((p) => p.message === key);
      // Every field the encoder writes is one the scanner knows, with the wire type it reads it with, and no more.
      expect(new Set(written.map((f) => `${f.field}/${f.wireType}`)), key).toEqual(
        new Set(probed.map((p) => `${p.field}/${p.wireType}`)),
      );
      const whole = type.decode(bytes);
      const empty = type.decode(new Uint8Array(0));
      for (const p of probed) {
        expect(tables![key][p.field], `${key}.${p.name}`).toBe(p.role);
        // The bytes under the probed number decode, with the generated decoder, into that property and no other.
        const only = Buffer.concat(
          written.filter((f) => f.field === p.field).map((f) => Buffer.from(bytes.subarray(f.start, f.end))),
        );
        const decoded = type.decode(only);
        for (const q of probed) {
          expect(decoded[q.name], `${key}.${q.name} from ${key}.${p.name}'s bytes`).toEqual(
            q === p ? whole[q.name] : empty[q.name],
          );
        }
      }
    }
  });

  it('fails, without throwing, when the generated code is not what the scanner reads', () => {
    const real = traceMessageEncoders();
    expect(probeTraceFields(real)).toBeDefined();
    const withSpan = (encode: (m: object) => { finish(): Uint8Array }): TraceMessageEncoders => ({
      ...real,
      span: { encode },
    });
    const renumbered = (m: object) => {
      const bytes = Buffer.from(real.span.encode(m).finish());
      // The first field moved to field number 2 (where spanId is), wire type kept.
      if ('traceId' in m) bytes[0] = (2 << 3) | (bytes[0]! & 7);
      return { finish: () => bytes };
    };
    const cases: TraceMessageEncoders[] = [
      // traceId written as a varint
      withSpan((m) => ('traceId' in m ? { finish: () => Uint8Array.of(8, 1) } : real.span.encode(m))),
      // an encoder that throws
      withSpan(() => {
        throw new TypeError('changed root');
      }),
      // an encoder that writes two fields for one
      withSpan((m) => ({ finish: () => Buffer.concat([real.span.encode(m).finish(), Uint8Array.of(8, 1)]) })),
      // an encoder that writes nothing
      withSpan(() => ({ finish: () => new Uint8Array(0) })),
      // two properties under one number
      withSpan(renumbered),
      // a message type missing from the root
      { ...real, link: undefined as unknown as MessageEncoder },
      // field number 0
      { ...real, status: { encode: () => ({ finish: () => Uint8Array.of(0, 1) }) } },
    ];
    for (const broken of cases) expect(probeTraceFields(broken)).toBeUndefined();
  });

  it('when the probe failed, the scanner is off and requests take the decoder path, with the same results', async () => {
    const encoded = generatedTypes().request.encode(fullyPopulated().request).finish();
    const bytes = Buffer.from(encoded);
    const answers = (collector: Collector) => {
      const traces = collector.query.listTraces({ limit: 10 });
      return { traces, details: traces.map((t) => collector.query.getTrace(t.traceId)), red: collector.query.red() };
    };
    const post = async (collector: Collector) => {
      const response = await fetch(`${collector.otlpHttpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: bytes,
      });
      expect(response.status).toBe(200);
      return answers(collector);
    };

    expect(scanTraces(bytes, RULES)).toBeDefined();
    const dataDir = await mkdtemp(join(tmpdir(), 'otelkit-fields-'));
    dirs.push(dataDir);
    const scanned = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0, dataDir });
    running.push(scanned);
    const withScanner = await post(scanned);
    await scanned.stop();
    running.splice(running.indexOf(scanned), 1);

    expect(useFieldTables(probeTraceFields({ ...traceMessageEncoders(), anyValue: undefined as never }))).toBe(false);
    expect(scannerFieldTables()).toBeNull();
    expect(scanTraces(bytes, RULES)).toBeUndefined();
    const decoded = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
    running.push(decoded);
    const withoutScanner = await post(decoded);

    expect(withoutScanner.traces).toHaveLength(1);
    expect(withoutScanner.traces[0]).toMatchObject({ rootName: 'POST /every', status: 'error', spanCount: 1 });
    expect(withoutScanner).toEqual(withScanner);

    // The raw export the scanner stored in the data directory is replayed through the decoder path.
    const restarted = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0, dataDir });
    running.push(restarted);
    expect(restarted.query.stats().persistence).toMatchObject({ loaded: 1, skippedLines: 0 });
    expect(answers(restarted)).toEqual(withScanner);
  });
});
