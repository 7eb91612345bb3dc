import * as grpc from '@grpc/grpc-js';

/** What the fake server answers to one Export call. */
export type Answer =
  | { ok: true; partialRejected?: number }
  | { code: grpc.status; retryDelayMs?: number; hang?: boolean };

export interface FakeOtlpServer {
  url: string;
  /** Raw request bodies, in order. */
  calls: Buffer[];
  stop(): Promise<void>;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const field = (no: number, bytes: number[]) => [...varint(no * 8 + 2), ...varint(bytes.length), ...bytes];
const intField = (no: number, n: number) => [...varint(no * 8), ...varint(n)];
const text = (s: string) => [...Buffer.from(s)];

/** google.rpc.Status with one google.rpc.RetryInfo detail, as a server puts it in `grpc-status-details-bin`. */
export function retryInfoStatus(code: number, delayMs: number): Buffer {
  const duration = [...intField(1, Math.floor(delayMs / 1000)), ...intField(2, (delayMs % 1000) * 1e6)];
  const retryInfo = field(1, duration);
  const any = [...field(1, text('type.googleapis.com/google.rpc.RetryInfo')), ...field(2, retryInfo)];
  return Buffer.from([...intField(1, code), ...field(2, text('slow down')), ...field(3, any)]);
}

/**
 * A real grpc-js server for the OTLP TraceService that answers each Export call with the next scripted answer
 * (the last one repeats).
 */
export async function startFakeOtlpServer(script: Answer[]): Promise<FakeOtlpServer> {
  const server = new grpc.Server();
  const calls: Buffer[] = [];
  const identity = (b: Buffer) => b;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        calls.push(call.request);
        const answer = script[Math.min(calls.length - 1, script.length - 1)]!;
        if ('ok' in answer) {
          const partial = answer.partialRejected
            ? Buffer.from(field(1, [...intField(1, answer.partialRejected), ...field(2, text('rejected'))]))
            : Buffer.alloc(0);
          callback(null, partial);
          return;
        }
        if (answer.hang) return;
        const metadata = new grpc.Metadata();
        if (answer.retryDelayMs !== undefined) {
          metadata.set('grpc-status-details-bin', retryInfoStatus(answer.code, answer.retryDelayMs));
        }
        callback({ code: answer.code, details: 'scripted failure', metadata });
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
