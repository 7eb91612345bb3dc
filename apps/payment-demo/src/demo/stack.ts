import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Collector, DEFAULT_PORTS, startCollector } from '@otelkit/collector';
import type { GatewayFaults } from '../card-gateway/faults.js';
import type { ApiFaults } from '../payment-api/payment-api-app.js';
import { DemoError, type ServiceProcess, startServiceProcess } from './service-process.js';

/** Ports of the stack; 0 picks a free port. */
export interface StackPorts {
  grpc: number;
  http: number;
  ui: number;
  api: number;
  gateway: number;
}

/** The default ports: the collector's (4317, 4318, 18888), payment-api 3100, card-gateway 3101. */
export const DEFAULT_STACK_PORTS: StackPorts = {
  grpc: DEFAULT_PORTS.grpc,
  http: DEFAULT_PORTS.http,
  ui: DEFAULT_PORTS.ui,
  api: 3100,
  gateway: 3101,
};

/** Options of {@link startStack}. */
export interface StackOptions {
  ports?: Partial<StackPorts>;
  /** Where logs (and PGlite's files) go. */
  workDir: string;
  /** Persist what the collector receives here (to browse it later with `otelkit-collector --data-dir`). */
  collectorDataDir?: string;
  /** PostgreSQL instead of embedded PGlite. */
  databaseUrl?: string;
  /** The version both services start as. @defaultValue '2.0.0' */
  version?: string;
  /** Extra environment for both services (tests shorten timings). */
  env?: NodeJS.ProcessEnv;
  /** Node flags for both services (profiling: `['--cpu-prof']`). */
  execArgv?: string[];
  /** Called when a service dies on its own (not during a deploy or stop). */
  onServiceCrash?: (service: string, detail: string) => void;
}

/** The running demo stack: the collector in this process, payment-api and card-gateway as child processes. */
export interface Stack {
  readonly collector: Collector;
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly uiUrl: string;
  /** The bearer token payment-api expects (a secret: it must appear in no telemetry). */
  readonly apiKey: string;
  /** The token payment-api sends the gateway (also a secret). */
  readonly gatewayKey: string;
  readonly logDir: string;
  version(): string;
  /** Restarts both services as `version` (a deploy) on the same ports. */
  deploy(version: string): Promise<void>;
  setGatewayFaults(patch: Partial<GatewayFaults>): Promise<void>;
  setApiFaults(patch: Partial<ApiFaults>): Promise<void>;
  /** Asks both services to export everything they buffer. */
  flush(): Promise<void>;
  /** Stops both services (they flush their telemetry on the way out). */
  stopServices(): Promise<void>;
  /** Stops the services, then the collector. Idempotent. */
  stop(): Promise<void>;
}

/** The compiled service entry points (children always run the build, also when the demo runs from source). */
function entry(name: 'payment-api-main' | 'card-gateway-main'): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const packageRoot = join(here, '..', '..');
  const file = join(packageRoot, 'dist', 'services', `${name}.js`);
  if (!existsSync(file)) {
    throw new DemoError(`${file} is missing: build first (pnpm --filter @otelkit/payment-demo build)`);
  }
  return file;
}

function collectorPortError(error: unknown, ports: StackPorts): Error {
  const e = error as { code?: unknown; port?: unknown; message?: unknown };
  if (e?.code !== 'EADDRINUSE') return error as Error;
  const port = Number(e.port ?? /:(\d+)\b/.exec(String(e.message))?.[1]);
  const which =
    port === ports.grpc
      ? ['collector OTLP/gRPC', '--grpc-port']
      : port === ports.http
        ? ['collector OTLP/HTTP', '--http-port']
        : port === ports.ui
          ? ['collector UI', '--ui-port']
          : ['collector', '--grpc-port/--http-port/--ui-port'];
  return new DemoError(
    `${which[0]}: port ${Number.isFinite(port) ? port : '?'} is already in use — choose another with ${which[1]} <port> (0 picks a free one)`,
  );
}

async function put(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new DemoError(`PUT ${url} answered ${response.status}: ${await response.text()}`);
}

/** Starts the collector, then card-gateway, then payment-api, and returns the running stack. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const ports: StackPorts = { ...DEFAULT_STACK_PORTS, ...options.ports };
  const logDir = join(options.workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const apiEntry = entry('payment-api-main');
  const gatewayEntry = entry('card-gateway-main');

  let collector: Collector;
  try {
    collector = await startCollector({
      grpcPort: ports.grpc,
      httpPort: ports.http,
      uiPort: ports.ui,
      ...(options.collectorDataDir ? { dataDir: options.collectorDataDir } : {}),
    });
  } catch (error) {
    throw collectorPortError(error, ports);
  }

  const apiKey = `sk_demo_${randomBytes(12).toString('hex')}`;
  const gatewayKey = `gw_demo_${randomBytes(12).toString('hex')}`;
  let version = options.version ?? '2.0.0';
  let gatewayPort = ports.gateway;
  let apiPort = ports.api;
  let gateway: ServiceProcess | undefined;
  let api: ServiceProcess | undefined;
  let deploying = false;

  const common = (service: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTEL_SERVICE_NAME: service,
    OTELKIT_SERVICE_VERSION: version,
    OTELKIT_ENVIRONMENT: 'demo',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTELKIT_LOGS_EXPORTER: 'otlp',
    OTEL_BSP_SCHEDULE_DELAY: '500',
    OTEL_METRIC_EXPORT_INTERVAL: '2000',
    SENTRY_DSN: collector.sentryDsn,
    NODE_ENV: 'production',
    ...options.env,
  });

  const watch = (p: ServiceProcess) =>
    p.onUnexpectedExit((code, signal) => {
      if (!deploying) options.onServiceCrash?.(p.service, signal ?? `exit code ${code}`);
    });

  const startGateway = async () => {
    gateway = await startServiceProcess({
      service: 'card-gateway',
      entry: gatewayEntry,
      env: { ...common('card-gateway'), CARD_GATEWAY_PORT: String(gatewayPort), CARD_GATEWAY_API_KEY: gatewayKey },
      logFile: join(logDir, 'card-gateway.log'),
      portFlag: '--gateway-port',
      ...(options.execArgv ? { execArgv: options.execArgv } : {}),
    });
    gatewayPort = gateway.port;
    watch(gateway);
  };
  const startApi = async () => {
    api = await startServiceProcess({
      service: 'payment-api',
      entry: apiEntry,
      env: {
        ...common('payment-api'),
        PAYMENT_API_PORT: String(apiPort),
        PAYMENT_API_KEY: apiKey,
        CARD_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
        CARD_GATEWAY_API_KEY: gatewayKey,
        ...(options.databaseUrl
          ? {
              DATABASE_URL: options.databaseUrl,
              ...(process.env.DATABASE_SCHEMA ? { DATABASE_SCHEMA: process.env.DATABASE_SCHEMA } : {}),
            }
          : { PGLITE_DATA_DIR: join(options.workDir, 'pglite') }),
      },
      logFile: join(logDir, 'payment-api.log'),
      portFlag: '--api-port',
      ...(options.execArgv ? { execArgv: options.execArgv } : {}),
    });
    apiPort = api.port;
    watch(api);
  };

  let stopped: Promise<void> | undefined;
  const stopServices = async () => {
    await Promise.all([api?.stop(), gateway?.stop()]);
  };
  try {
    await startGateway();
    await startApi();
  } catch (error) {
    await stopServices().catch(() => {});
    await collector.stop();
    throw error;
  }

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  return {
    collector,
    apiUrl,
    gatewayUrl,
    uiUrl: collector.uiUrl,
    apiKey,
    gatewayKey,
    logDir,
    version: () => version,
    async deploy(next) {
      deploying = true;
      try {
        version = next;
        // Both ports are known by now, so the two restarts can overlap.
        await Promise.all([gateway?.stop(), api?.stop()]);
        await Promise.all([startGateway(), startApi()]);
      } finally {
        deploying = false;
      }
    },
    setGatewayFaults: (patch) => put(`${gatewayUrl}/control/faults`, patch),
    setApiFaults: (patch) => put(`${apiUrl}/control/faults`, patch),
    async flush() {
      await Promise.all([api?.flush(), gateway?.flush()]);
    },
    stopServices,
    stop() {
      stopped ??= (async () => {
        deploying = true;
        await stopServices();
        await collector.stop();
      })();
      return stopped;
    },
  };
}
