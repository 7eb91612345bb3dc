import * as grpc from '@grpc/grpc-js';
import { GRPC_SERVICES, type Signal } from '../otlp/proto.js';
import type { Store } from '../store/store.js';
import { acceptProtobuf, acceptTracesProtobuf, BusyError, decodeProtobuf, protobufResponse } from './otlp-ingest.js';

/** A running OTLP/gRPC receiver. */
export interface GrpcReceiver {
  port: number;
  stop(): Promise<void>;
}

const identity = (b: Buffer) => b;

/**
 * Serves the OTLP TraceService, MetricsService and LogsService Export methods. Messages are passed through as raw
 * bytes and decoded in the handler, so a malformed message is answered with INVALID_ARGUMENT instead of failing in
 * the transport. grpc-js enforces `maxBodyBytes` on each message, after decompression.
 */
export async function startGrpcReceiver(
  store: Store,
  options: { host: string; port: number; maxBodyBytes: number },
): Promise<GrpcReceiver> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxBodyBytes,
    'grpc.max_send_message_length': 1024 * 1024,
  });
  for (const signal of ['traces', 'metrics', 'logs'] as Signal[]) {
    const definition: grpc.ServiceDefinition = {
      Export: {
        path: GRPC_SERVICES[signal],
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    // Nearly every export is accepted whole: encode that answer once (grpc-js copies it into its own frame).
    const accepted = Buffer.from(protobufResponse(signal, { rejected: 0, errorMessage: '' }));
    const Export: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
      let response: Buffer;
      try {
        const outcome =
          signal === 'traces'
            ? acceptTracesProtobuf(store, call.request)
            : acceptProtobuf(store, signal, decodeProtobuf(signal, call.request));
        response =
          outcome.rejected === 0 && outcome.errorMessage === ''
            ? accepted
            : Buffer.from(protobufResponse(signal, outcome));
      } catch (error) {
        if (error instanceof BusyError) {
          store.countRefused('busy');
          callback({ code: grpc.status.UNAVAILABLE, details: error.message });
          return;
        }
        store.countRefused('bad_data');
        callback({ code: grpc.status.INVALID_ARGUMENT, details: (error as Error).message.slice(0, 500) });
        return;
      }
      callback(null, response);
    };
    server.addService(definition, { Export });
  }
  const address = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
