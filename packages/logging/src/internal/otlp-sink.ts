import { createRequire } from 'node:module';
import { type Context, context as otelContext, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import {
  type LogLevel,
  type LogRecord,
  recordDropped,
  type ServiceResource,
  severityNumber,
  toAttributes,
  warnOnce,
} from '@otelkit/core';

const require = createRequire(import.meta.url);

/** What the sink needs to know about one export setup, resolved from options and environment. */
export interface OtlpSinkConfig {
  endpoint: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
}

/** Takes records off the logging hot path into the SDK's batch processor; export happens on timers. */
export interface OtlpSink {
  /** Queues one record; never blocks and never throws. `traceFlags` from the active span when known. */
  emit(record: LogRecord, timeMs: number, traceFlags: number | undefined): void;
  /** Resolves true when everything queued was handed to the exporter in time. */
  forceFlush(timeoutMs: number): Promise<boolean>;
  shutdown(timeoutMs: number): Promise<void>;
}

type SdkLogs = typeof import('@opentelemetry/sdk-logs');
type LogsExporter = typeof import('@opentelemetry/exporter-logs-otlp-grpc');
type Resources = typeof import('@opentelemetry/resources');
type SdkExporter = import('@opentelemetry/sdk-logs').LogRecordExporter;

/**
 * Loads the optional peers (throws the require error when one is missing). Their types are used at compile time
 * only, through `import()` types, which leave no trace in the emitted JavaScript.
 */
function loadSdk(): {
  sdkLogs: SdkLogs;
  exporter: LogsExporter;
  resources: Resources;
  Metadata: new () => { set(key: string, value: string): void };
} {
  const sdkLogs = require('@opentelemetry/sdk-logs') as SdkLogs;
  const exporterPath = require.resolve('@opentelemetry/exporter-logs-otlp-grpc');
  const exporter = require(exporterPath) as LogsExporter;
  const resources = require('@opentelemetry/resources') as Resources;
  // grpc-js comes with the exporter (through its gRPC base package): resolve it from there, not as our dependency.
  const basePath = createRequire(exporterPath).resolve('@opentelemetry/otlp-grpc-exporter-base');
  const grpc = createRequire(basePath)('@grpc/grpc-js') as { Metadata: new () => { set(k: string, v: string): void } };
  return { sdkLogs, exporter, resources, Metadata: grpc.Metadata };
}

/** Whether the optional peers are installed, and the error when they are not. */
export function otlpAvailability(): Error | undefined {
  try {
    loadSdk();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

export function createOtlpSink(config: OtlpSinkConfig, resource: ServiceResource, scope: string): OtlpSink {
  const sdk = loadSdk();
  let queued = 0;
  let droppedTotal = 0;

  const dropped = (count: number, reason: string, detail?: string): void => {
    recordDropped('logs', count, reason);
    droppedTotal += count;
    warnOnce(
      'logging.otlp.dropped',
      `dropped ${droppedTotal} log records on the way to ${config.endpoint} (latest: ${reason})`,
      detail === undefined ? { reason, dropped_total: droppedTotal } : { reason, dropped_total: droppedTotal, detail },
    );
  };

  let metadata: { set(key: string, value: string): void } | undefined;
  if (Object.keys(config.headers).length > 0) {
    metadata = new sdk.Metadata();
    for (const [k, v] of Object.entries(config.headers)) metadata.set(k, v);
  }
  const exporter = new sdk.exporter.OTLPLogExporter({
    url: config.endpoint,
    timeoutMillis: config.timeoutMs,
    ...(metadata ? { metadata: metadata as never } : {}),
  });
  // Counts what leaves the processor's queue, and what the exporter fails to deliver.
  const counting: SdkExporter = {
    export(records, done) {
      queued -= records.length;
      try {
        exporter.export(records, (result) => {
          if (result.code !== 0) dropped(records.length, 'export_failed', result.error?.message);
          done(result);
        });
      } catch (error) {
        dropped(records.length, 'export_failed', error instanceof Error ? error.message : String(error));
        done({ code: 1, error: error instanceof Error ? error : new Error(String(error)) });
      }
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
  };
  const processor = new sdk.sdkLogs.BatchLogRecordProcessor({
    exporter: counting,
    maxQueueSize: config.maxQueueSize,
    maxExportBatchSize: config.maxExportBatchSize,
    scheduledDelayMillis: config.scheduledDelayMs,
    exportTimeoutMillis: config.timeoutMs + 1000,
  });
  const provider = new sdk.sdkLogs.LoggerProvider({
    resource: sdk.resources.resourceFromAttributes(resource.attributes),
    processors: [processor],
  });
  const logger = provider.getLogger(scope);
  let stopped = false;

  const exitFlush = (): void => {
    if (queued > 0 && !stopped) void provider.forceFlush().catch(() => undefined);
  };
  // `beforeExit` is the last moment an asynchronous export can still run; `process.exit()` skips it (see README).
  process.once('beforeExit', exitFlush);

  return {
    emit(record, timeMs, traceFlags) {
      if (stopped) return;
      if (queued >= config.maxQueueSize) {
        dropped(1, 'queue_full');
        return;
      }
      try {
        let ctx: Context = ROOT_CONTEXT;
        if (record.trace_id !== undefined && record.span_id !== undefined) {
          ctx = trace.setSpanContext(otelContext.active(), {
            traceId: record.trace_id,
            spanId: record.span_id,
            traceFlags: traceFlags ?? TraceFlags.NONE,
          });
        }
        const attributes = toAttributes(record, { includeResource: false });
        queued++;
        logger.emit({
          timestamp: timeMs,
          severityNumber: severityNumber(record.level as LogLevel),
          severityText: record.level,
          body: record.message,
          attributes,
          context: ctx,
        });
      } catch (error) {
        dropped(1, 'emit_failed', error instanceof Error ? error.message : String(error));
      }
    },
    forceFlush: (timeoutMs) => withDeadline(provider.forceFlush(), timeoutMs),
    async shutdown(timeoutMs) {
      if (stopped) return;
      stopped = true;
      process.removeListener('beforeExit', exitFlush);
      const left = queued;
      const done = await withDeadline(provider.shutdown(), timeoutMs);
      if (!done && left > 0) dropped(left, 'shutdown');
    },
  };
}

/** Resolves true when `work` settles in time, false when the deadline comes first; never rejects. */
function withDeadline(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
