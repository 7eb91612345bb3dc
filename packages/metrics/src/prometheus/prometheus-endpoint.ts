import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { ConfigError, recordDropped, warnOnce } from '@otelkit/core';
import { withPrometheusNames } from './prometheus-names.js';

type PrometheusModule = typeof import('@opentelemetry/exporter-prometheus');

/** Serves the Prometheus text exposition of the current state of every instrument. */
export type PrometheusHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface PrometheusEndpoint {
  reader: PrometheusExporter;
  handler: PrometheusHandler;
  /** The URL of the endpoint's own server, once listening; undefined when there is none or it failed to listen. */
  url: Promise<string | undefined>;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// A dependency, but loaded only when the Prometheus endpoint is on: a push-only service never pays for it.
function loadPrometheusModule(): PrometheusModule {
  const require = createRequire(import.meta.url);
  try {
    return require('@opentelemetry/exporter-prometheus') as PrometheusModule;
  } catch {
    throw new ConfigError([
      {
        field: 'options.prometheus',
        value: true,
        expected:
          '@opentelemetry/exporter-prometheus@0.223.0 (a dependency of @otelkit/metrics) to be installed and loadable',
      },
    ]);
  }
}

/**
 * A pull reader (the OpenTelemetry Prometheus exporter, cumulative, without its own server) plus our handler: the
 * exposition applies the OpenTelemetry → Prometheus unit suffixes (`_seconds`, `_bytes`, `_ratio`), so a service
 * scraped directly has the same series names as one scraped through the OpenTelemetry Collector.
 */
export function createPrometheusEndpoint(options: { port?: number; host?: string }): PrometheusEndpoint {
  const mod = loadPrometheusModule();
  const reader = new mod.PrometheusExporter({ preventServerStart: true });
  const serializer: PrometheusSerializer = new mod.PrometheusSerializer();
  const handler: PrometheusHandler = (_req, res) => {
    reader.collect().then(
      ({ resourceMetrics, errors }) => {
        if (errors.length > 0) {
          warnOnce('metrics.prometheus.collect', 'some metrics failed to collect for the Prometheus endpoint', {
            errors: errors.map(String).slice(0, 5),
          });
        }
        let body: string;
        try {
          body = serializer.serialize(withPrometheusNames(resourceMetrics));
        } catch (error) {
          warnOnce('metrics.prometheus.serialize', 'the Prometheus exposition failed to serialize', {
            error: String(error),
          });
          recordDropped('metrics', 1, 'prometheus_serialize_failed');
          res.statusCode = 500;
          res.end();
          return;
        }
        res.statusCode = 200;
        res.setHeader('content-type', CONTENT_TYPE);
        res.end(body);
      },
      (error: unknown) => {
        warnOnce('metrics.prometheus.collect', 'metrics collection for the Prometheus endpoint failed', {
          error: String(error),
        });
        res.statusCode = 503;
        res.end();
      },
    );
  };

  let server: Server | undefined;
  let url: Promise<string | undefined> = Promise.resolve(undefined);
  if (options.port !== undefined) {
    const own = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) handler(req, res);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    // Like the exporter's own server: a metrics endpoint must not keep the process alive.
    own.unref();
    server = own;
    const host = options.host ?? '0.0.0.0';
    url = new Promise((resolve) => {
      own.once('error', (error) => {
        warnOnce('metrics.prometheus.listen', `the Prometheus endpoint could not listen on ${host}:${options.port}`, {
          error: String(error),
        });
        resolve(undefined);
      });
      own.listen(options.port, host, () => {
        const address = own.address();
        const port = typeof address === 'object' && address !== null ? address.port : options.port;
        const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        resolve(`http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/metrics`);
      });
    });
  }
  return {
    reader,
    handler,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (server === undefined || !server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
