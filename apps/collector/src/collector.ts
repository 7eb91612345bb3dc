import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiHandler } from './api/api-server.js';
import { type CollectorOptions, resolveConfig } from './config.js';
import { type CollectorQuery, createQuery } from './query/query.js';
import { startGrpcReceiver } from './receivers/grpc-receiver.js';
import { createIngestHandler } from './receivers/http-receiver.js';
import { renderMarkdown } from './report/markdown.js';
import { buildReport, type IncidentReport, type ReportOptions } from './report/report.js';
import { openDataDir, type Persistence } from './store/persistence.js';
import { type CollectorLimits, Store } from './store/store.js';

/** A running collector. */
export interface Collector {
  /** Bound OTLP/gRPC port. */
  readonly grpcPort: number;
  /** Bound OTLP/HTTP + Sentry envelope port. */
  readonly httpPort: number;
  /** Bound web UI + JSON API port. */
  readonly uiPort: number;
  readonly host: string;
  /** `http://host:uiPort/` */
  readonly uiUrl: string;
  /** `http://host:grpcPort` — for `OTEL_EXPORTER_OTLP_ENDPOINT` with the gRPC exporters. */
  readonly otlpGrpcUrl: string;
  /** `http://host:httpPort` — base of `/v1/traces|metrics|logs`. */
  readonly otlpHttpUrl: string;
  /** A Sentry DSN that delivers to this collector (project 1). */
  readonly sentryDsn: string;
  readonly limits: CollectorLimits;
  /** Queries over everything received. */
  readonly query: CollectorQuery;
  /** The incident report, as data or Markdown. */
  report(options?: ReportOptions): IncidentReport;
  reportMarkdown(options?: ReportOptions): string;
  /** Stops the receivers and the UI, and flushes the data directory. Idempotent. */
  stop(): Promise<void>;
}

function defaultUiDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled: dist/collector.js → dist/ui. From source (tests): src/collector.ts → ../dist/ui.
  const candidates = [join(here, 'ui'), join(here, '..', 'dist', 'ui')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function harden(server: Server): Server {
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  return server;
}

/**
 * Starts the local collector: OTLP/gRPC, OTLP/HTTP and Sentry envelope receivers, a bounded store (optionally
 * persisted to `dataDir`), and the web UI with its JSON API.
 *
 * @example
 * ```ts
 * import { startCollector } from '@otelkit/collector';
 *
 * const collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
 * console.log(collector.otlpGrpcUrl, collector.uiUrl, collector.sentryDsn);
 * // … export telemetry to it …
 * console.log(collector.query.listTraces({ status: 'error' }));
 * await collector.stop();
 * ```
 * @throws ConfigError when an option or `OTELKIT_COLLECTOR_*` variable is invalid; the listen error when a port is taken.
 */
export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const config = resolveConfig(options);
  const store = new Store(config.limits);
  let persistence: Persistence | undefined;
  if (config.dataDir) {
    persistence = await openDataDir(config.dataDir, store);
    store.sink = persistence;
  }
  const query = createQuery(store);
  const report = (reportOptions?: ReportOptions) => buildReport(store, query, reportOptions);
  const ingestServer = harden(createServer(createIngestHandler(store, config.limits)));
  const apiServer = harden(createServer(createApiHandler(query, () => report(), config.uiDir ?? defaultUiDir())));

  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    await Promise.all(started.splice(0).map((stop) => stop().catch(() => {})));
    store.drain();
    await persistence?.close();
  };
  try {
    const grpc = await startGrpcReceiver(store, {
      host: config.host,
      port: config.grpcPort,
      maxBodyBytes: config.limits.maxBodyBytes,
    });
    started.push(() => grpc.stop());
    const httpPort = await listen(ingestServer, config.httpPort, config.host);
    started.push(() => close(ingestServer));
    const uiPort = await listen(apiServer, config.uiPort, config.host);
    started.push(() => close(apiServer));
    const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;
    let stopping: Promise<void> | undefined;
    return {
      grpcPort: grpc.port,
      httpPort,
      uiPort,
      host: config.host,
      uiUrl: `http://${urlHost}:${uiPort}/`,
      otlpGrpcUrl: `http://${urlHost}:${grpc.port}`,
      otlpHttpUrl: `http://${urlHost}:${httpPort}`,
      sentryDsn: `http://public@${urlHost}:${httpPort}/1`,
      limits: { ...config.limits },
      query,
      report,
      reportMarkdown: (reportOptions) => renderMarkdown(report(reportOptions)),
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Data loaded from a data directory without starting any server (for `otelkit-collector report --data-dir`). */
export interface CollectorData {
  readonly query: CollectorQuery;
  report(options?: ReportOptions): IncidentReport;
  reportMarkdown(options?: ReportOptions): string;
}

/**
 * Loads what a collector persisted to `dataDir` into a fresh in-memory store, read-only, and returns the query API
 * and the report over it.
 */
export async function loadDataDir(dataDir: string, limits: Partial<CollectorLimits> = {}): Promise<CollectorData> {
  const config = resolveConfig({ dataDir, limits, grpcPort: 0, httpPort: 0, uiPort: 0 }, {});
  const store = new Store(config.limits);
  const persistence = await openDataDir(dataDir, store);
  await persistence.close();
  const query = createQuery(store);
  const report = (options?: ReportOptions) => buildReport(store, query, options);
  return { query, report, reportMarkdown: (options) => renderMarkdown(report(options)) };
}
