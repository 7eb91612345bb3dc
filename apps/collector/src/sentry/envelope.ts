import { BadDataError, isRecord } from '../otlp/values.js';

/** One envelope item: its header and raw payload. */
export interface EnvelopeItem {
  header: Record<string, unknown>;
  payload: Buffer;
}

/** A parsed Sentry envelope. */
export interface Envelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

const MAX_ITEMS = 1000;

/**
 * Parses the Sentry envelope format: a JSON header line, then items, each a JSON item header line followed by a
 * payload that is either `length` bytes (when the item header gives a length) or the rest of the line.
 * Throws BadDataError on anything else.
 */
export function parseEnvelope(body: Buffer): Envelope {
  let pos = 0;
  const readLine = (): Buffer => {
    const end = body.indexOf(0x0a, pos);
    const line = body.subarray(pos, end === -1 ? body.length : end);
    pos = end === -1 ? body.length : end + 1;
    return line;
  };
  const parseJsonLine = (line: Buffer, what: string): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(line.toString('utf8'));
    } catch {
      throw new BadDataError(`envelope ${what} is not valid JSON`);
    }
    if (!isRecord(value)) throw new BadDataError(`envelope ${what} must be a JSON object`);
    return value;
  };
  if (body.length === 0) throw new BadDataError('envelope is empty');
  const header = parseJsonLine(readLine(), 'header');
  const items: EnvelopeItem[] = [];
  while (pos < body.length) {
    const line = readLine();
    if (line.toString('utf8').trim() === '') continue;
    const itemHeader = parseJsonLine(line, `item ${items.length} header`);
    if (typeof itemHeader.type !== 'string') throw new BadDataError(`envelope item ${items.length} has no type`);
    let payload: Buffer;
    if (itemHeader.length !== undefined && itemHeader.length !== null) {
      const length = itemHeader.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || pos + length > body.length) {
        throw new BadDataError(`envelope item ${items.length} has an invalid length`);
      }
      payload = body.subarray(pos, pos + length);
      pos += length;
      if (body[pos] === 0x0a) pos++;
    } else {
      payload = readLine();
    }
    items.push({ header: itemHeader, payload });
    if (items.length > MAX_ITEMS) throw new BadDataError(`envelope has more than ${MAX_ITEMS} items`);
  }
  return { header, items };
}

/** Parses an item payload as a JSON object. */
export function itemJson(item: EnvelopeItem, index: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(item.payload.toString('utf8'));
  } catch {
    throw new BadDataError(`envelope item ${index} (${String(item.header.type)}) is not valid JSON`);
  }
  if (!isRecord(value))
    throw new BadDataError(`envelope item ${index} (${String(item.header.type)}) must be an object`);
  return value;
}
