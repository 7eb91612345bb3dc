/** gRPC status codes the exporter cares about (grpc/status.proto). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
} as const;

/** Retryable without conditions, per the OTLP specification's "OTLP/gRPC Throttling" and failure sections. */
const RETRYABLE = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** What to do about one failed export attempt. */
export type RetryVerdict = { retry: false } | { retry: true; delayMs?: number };

/**
 * Decides whether a gRPC failure is retried: the six transient codes always; RESOURCE_EXHAUSTED only when the
 * server sent a `google.rpc.RetryInfo` (then its delay is honoured); everything else never.
 */
export function retryVerdict(error: unknown): RetryVerdict {
  const code = grpcCode(error);
  if (code === undefined) return { retry: false };
  if (RETRYABLE.has(code)) return { retry: true };
  if (code === GrpcStatus.RESOURCE_EXHAUSTED) {
    const delayMs = retryInfoDelayMs(error);
    return delayMs === undefined ? { retry: false } : { retry: true, delayMs };
  }
  return { retry: false };
}

/** The numeric gRPC status of a grpc-js ServiceError, if it is one. */
export function grpcCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The `retry_delay` of a `google.rpc.RetryInfo` detail in the `grpc-status-details-bin` trailer, in milliseconds.
 * Decoded by hand (google.rpc.Status → repeated Any details → RetryInfo → Duration) so no protobuf runtime is needed.
 */
export function retryInfoDelayMs(error: unknown): number | undefined {
  try {
    const metadata = (error as { metadata?: { get(key: string): unknown[] } }).metadata;
    const values = metadata?.get?.('grpc-status-details-bin');
    const bin = Array.isArray(values) ? values[0] : undefined;
    if (!(bin instanceof Uint8Array)) return undefined;
    for (const [field, value] of fields(bin)) {
      if (field !== 3 || !(value instanceof Uint8Array)) continue; // Status.details (Any)
      let typeUrl = '';
      let payload: Uint8Array | undefined;
      for (const [f, v] of fields(value)) {
        if (f === 1 && v instanceof Uint8Array) typeUrl = Buffer.from(v).toString('utf8');
        if (f === 2 && v instanceof Uint8Array) payload = v;
      }
      if (typeUrl !== RETRY_INFO_TYPE || !payload) continue;
      for (const [f, v] of fields(payload)) {
        if (f !== 1 || !(v instanceof Uint8Array)) continue; // RetryInfo.retry_delay (Duration)
        let seconds = 0;
        let nanos = 0;
        for (const [df, dv] of fields(v)) {
          if (df === 1 && typeof dv === 'number') seconds = dv;
          if (df === 2 && typeof dv === 'number') nanos = dv;
        }
        const ms = seconds * 1000 + Math.floor(nanos / 1e6);
        return ms >= 0 ? ms : undefined;
      }
      return 0;
    }
  } catch {
    /* a malformed trailer means no usable RetryInfo */
  }
  return undefined;
}

/** Iterates over the fields of one protobuf message: varints as numbers, length-delimited as bytes. */
function* fields(buf: Uint8Array): Generator<[number, number | Uint8Array]> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length || shift > 63) throw new RangeError('truncated varint');
      const byte = buf[pos++] as number;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield [field, varint()];
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new RangeError('truncated field');
      yield [field, buf.subarray(pos, pos + len)];
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
  }
}
