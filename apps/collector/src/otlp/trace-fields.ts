/**
 * The field numbers the trace scanner (`trace-scan.ts`) reads, taken from the generated protobuf code rather than
 * written down: the generated encoders are probed once, each with a message that has exactly one field set, and the
 * tag they write gives that field's number and wire type. The scanner looks fields up in the tables built here.
 *
 * Messages probed: ExportTraceServiceRequest, ResourceSpans, ScopeSpans, Span, Span.Event, Span.Link, Status,
 * KeyValue, AnyValue, ArrayValue and KeyValueList.
 */

/** A generated message type's encoder (protobufjs static code). */
export interface MessageEncoder {
  encode(message: object): { finish(): Uint8Array };
}

/** The generated encoders the probe uses. */
export interface TraceMessageEncoders {
  request: MessageEncoder;
  resourceSpans: MessageEncoder;
  scopeSpans: MessageEncoder;
  span: MessageEncoder;
  event: MessageEncoder;
  link: MessageEncoder;
  status: MessageEncoder;
  keyValue: MessageEncoder;
  anyValue: MessageEncoder;
  arrayValue: MessageEncoder;
  keyValueList: MessageEncoder;
}

/** The messages the scanner walks. */
export type ScannedMessage = keyof TraceMessageEncoders;

/** Protobuf wire types (the encoding, not any message's layout). */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/*
 * Roles: what the scanner does with a field. 0 is a field the scanner does not know (skipped, as the decoder skips
 * it). The CHECK_* roles are fields the scanner only validates, by their wire type, and steps over.
 */
export const UNKNOWN = 0;
export const CHECK_VARINT = 1;
export const CHECK_I64 = 2;
export const CHECK_LEN = 3;
export const CHECK_I32 = 4;
export const RESOURCE_SPANS = 5;
export const RESOURCE = 6;
export const SCOPE_SPANS = 7;
export const SCOPE = 8;
export const SPAN = 9;
export const TRACE_ID = 10;
export const SPAN_ID = 11;
export const PARENT_SPAN_ID = 12;
export const NAME = 13;
export const KIND = 14;
export const START_TIME = 15;
export const END_TIME = 16;
export const ATTRIBUTE = 17;
export const EVENT = 18;
export const LINK = 19;
export const STATUS = 20;
export const CODE = 21;
export const KEY = 22;
export const VALUE = 23;
export const STRING_VALUE = 24;
export const BOOL_VALUE = 25;
export const INT_VALUE = 26;
export const DOUBLE_VALUE = 27;
export const ARRAY_VALUE = 28;
export const KVLIST_VALUE = 29;
export const BYTES_VALUE = 30;
export const ITEM = 31;

/** One probed field: the generated code's property name, and the number and wire type its encoder writes. */
export interface ProbedField {
  message: ScannedMessage;
  name: string;
  field: number;
  wireType: number;
  role: number;
}

/** Per scanned message, indexed by field number: the field's role ({@link UNKNOWN} past the end). */
export type TraceFieldTables = Record<ScannedMessage, Uint8Array> & { probed: readonly ProbedField[] };

/** A probe: the property to set, a value the encoder writes, the wire type the scanner reads it with, its role. */
type Probe = readonly [name: string, sample: unknown, wireType: number, role: number];

const message = {};
const bytes = Uint8Array.of(1);
const text = 'x';

/** The fields the scanner reads, by message; every one must be found where the scanner expects its kind of value. */
const PROBES: Record<ScannedMessage, readonly Probe[]> = {
  request: [['resourceSpans', [message], WIRE_LEN, RESOURCE_SPANS]],
  resourceSpans: [
    ['resource', message, WIRE_LEN, RESOURCE],
    ['scopeSpans', [message], WIRE_LEN, SCOPE_SPANS],
    ['schemaUrl', text, WIRE_LEN, CHECK_LEN],
  ],
  scopeSpans: [
    ['scope', message, WIRE_LEN, SCOPE],
    ['spans', [message], WIRE_LEN, SPAN],
    ['schemaUrl', text, WIRE_LEN, CHECK_LEN],
  ],
  span: [
    ['traceId', bytes, WIRE_LEN, TRACE_ID],
    ['spanId', bytes, WIRE_LEN, SPAN_ID],
    ['traceState', text, WIRE_LEN, CHECK_LEN],
    ['parentSpanId', bytes, WIRE_LEN, PARENT_SPAN_ID],
    ['flags', 1, WIRE_I32, CHECK_I32],
    ['name', text, WIRE_LEN, NAME],
    ['kind', 1, WIRE_VARINT, KIND],
    ['startTimeUnixNano', 1, WIRE_I64, START_TIME],
    ['endTimeUnixNano', 1, WIRE_I64, END_TIME],
    ['attributes', [message], WIRE_LEN, ATTRIBUTE],
    ['droppedAttributesCount', 1, WIRE_VARINT, CHECK_VARINT],
    ['events', [message], WIRE_LEN, EVENT],
    ['droppedEventsCount', 1, WIRE_VARINT, CHECK_VARINT],
    ['links', [message], WIRE_LEN, LINK],
    ['droppedLinksCount', 1, WIRE_VARINT, CHECK_VARINT],
    ['status', message, WIRE_LEN, STATUS],
  ],
  event: [
    ['timeUnixNano', 1, WIRE_I64, CHECK_I64],
    ['name', text, WIRE_LEN, NAME],
    ['attributes', [message], WIRE_LEN, ATTRIBUTE],
    ['droppedAttributesCount', 1, WIRE_VARINT, CHECK_VARINT],
  ],
  link: [
    ['traceId', bytes, WIRE_LEN, CHECK_LEN],
    ['spanId', bytes, WIRE_LEN, CHECK_LEN],
    ['traceState', text, WIRE_LEN, CHECK_LEN],
    ['attributes', [message], WIRE_LEN, ATTRIBUTE],
    ['droppedAttributesCount', 1, WIRE_VARINT, CHECK_VARINT],
    ['flags', 1, WIRE_I32, CHECK_I32],
  ],
  status: [
    ['message', text, WIRE_LEN, CHECK_LEN],
    ['code', 1, WIRE_VARINT, CODE],
  ],
  keyValue: [
    ['key', text, WIRE_LEN, KEY],
    ['value', message, WIRE_LEN, VALUE],
  ],
  anyValue: [
    ['stringValue', text, WIRE_LEN, STRING_VALUE],
    ['boolValue', true, WIRE_VARINT, BOOL_VALUE],
    ['intValue', 1, WIRE_VARINT, INT_VALUE],
    ['doubleValue', 1.5, WIRE_I64, DOUBLE_VALUE],
    ['arrayValue', message, WIRE_LEN, ARRAY_VALUE],
    ['kvlistValue', message, WIRE_LEN, KVLIST_VALUE],
    ['bytesValue', bytes, WIRE_LEN, BYTES_VALUE],
  ],
  arrayValue: [['values', [message], WIRE_LEN, ITEM]],
  keyValueList: [['values', [message], WIRE_LEN, ITEM]],
};

/** Field numbers above this are taken for a changed root (OTLP's are all small): the scanner is then disabled. */
const MAX_FIELD = 1023;

/** Reads a varint of up to 5 bytes at `at`; returns [value, next] or undefined. */
function readVarint(data: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const c = data[at + i];
    if (c === undefined) return undefined;
    value |= (c & 0x7f) << (7 * i);
    if (c < 0x80) return [value >>> 0, at + i + 1];
  }
  return undefined;
}

/** The number and wire type of the one field in `data`, or undefined unless it holds exactly one field. */
function onlyField(data: Uint8Array): { field: number; wireType: number } | undefined {
  const tag = readVarint(data, 0);
  if (!tag) return undefined;
  const [value, afterTag] = tag;
  const field = value >>> 3;
  const wireType = value & 7;
  let end: number;
  if (wireType === WIRE_VARINT) {
    let at = afterTag;
    while (at < data.length && data[at]! >= 0x80) at++;
    end = at + 1;
  } else if (wireType === WIRE_I64) end = afterTag + 8;
  else if (wireType === WIRE_I32) end = afterTag + 4;
  else if (wireType === WIRE_LEN) {
    const length = readVarint(data, afterTag);
    if (!length) return undefined;
    end = length[1] + length[0];
  } else return undefined;
  return end === data.length ? { field, wireType } : undefined;
}

/**
 * Probes the generated encoders for the fields the scanner reads and builds its lookup tables. Returns undefined when
 * any probe fails — an encoder that throws, writes something other than one field, or writes a field with another
 * wire type than the scanner reads it with, a field number of 0 or too large, or two fields of one message under one
 * number — so that the scanner disables itself instead of misreading requests. Never throws.
 */
export function probeTraceFields(encoders: TraceMessageEncoders): TraceFieldTables | undefined {
  try {
    const probed: ProbedField[] = [];
    const tables = {} as Record<ScannedMessage, Uint8Array>;
    for (const key of Object.keys(PROBES) as ScannedMessage[]) {
      const encoder = encoders[key];
      if (typeof encoder?.encode !== 'function') return undefined;
      const found: ProbedField[] = [];
      for (const [name, sample, wireType, role] of PROBES[key]) {
        const written = onlyField(encoder.encode({ [name]: sample }).finish());
        if (!written || written.wireType !== wireType) return undefined;
        if (written.field < 1 || written.field > MAX_FIELD) return undefined;
        if (found.some((f) => f.field === written.field)) return undefined;
        found.push({ message: key, name, field: written.field, wireType, role });
      }
      const table = new Uint8Array(Math.max(...found.map((f) => f.field)) + 1);
      for (const f of found) table[f.field] = f.role;
      tables[key] = table;
      probed.push(...found);
    }
    return { ...tables, probed };
  } catch {
    return undefined;
  }
}
