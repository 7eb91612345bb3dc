import protobuf from 'protobufjs/minimal.js';

/**
 * Encodes a `google.rpc.Status` — the body the OTLP/HTTP specification requires for every 4xx and 5xx answer to a
 * binary-protobuf request — as the message of google/rpc/status.proto:
 *
 * ```proto
 * message Status {
 *   int32 code = 1;
 *   string message = 2;
 *   repeated google.protobuf.Any details = 3;   // never sent
 * }
 * ```
 *
 * Written with protobufjs' writer, as generated code for that message writes it (a test decodes it with a parser of
 * the .proto text). Proto3 leaves out a zero code and an empty message.
 */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const w = protobuf.Writer.create();
  if (code !== 0) w.uint32((1 << 3) | 0).int32(code);
  if (message !== '') w.uint32((2 << 3) | 2).string(message);
  return w.finish();
}
