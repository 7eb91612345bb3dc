import { type CollectorLimits, DEFAULT_LIMITS } from './store/store.js';

/** Options of {@link startCollector}. Every field is optional; 0 for a port means any free port. */
export interface CollectorOptions {
  /** OTLP/gRPC port. Env `OTELKIT_COLLECTOR_GRPC_PORT`. @defaultValue 4317 */
  grpcPort?: number;
  /** OTLP/HTTP and Sentry envelope port. Env `OTELKIT_COLLECTOR_HTTP_PORT`. @defaultValue 4318 */
  httpPort?: number;
  /** Web UI and JSON API port. Env `OTELKIT_COLLECTOR_UI_PORT`. @defaultValue 18888 */
  uiPort?: number;
  /** Interface to bind. Env `OTELKIT_COLLECTOR_HOST`. @defaultValue '127.0.0.1' */
  host?: string;
  /** Directory that keeps received data across restarts; none when unset. Env `OTELKIT_COLLECTOR_DATA_DIR`. */
  dataDir?: string;
  /** Store and request limits (any subset; the rest keep their defaults). */
  limits?: Partial<CollectorLimits>;
  /** Directory of the built web UI. @defaultValue the `ui/` folder beside the compiled package */
  uiDir?: string;
}

/** Options after defaults and environment are applied. */
export interface ResolvedConfig {
  grpcPort: number;
  httpPort: number;
  uiPort: number;
  host: string;
  dataDir: string | undefined;
  limits: CollectorLimits;
  uiDir: string | undefined;
}

/** Invalid collector configuration; `issues` lists each field path, value and what is accepted. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'OTELKIT_COLLECTOR_CONFIG';
  constructor(readonly issues: string[]) {
    super(`invalid otelkit collector configuration:\n  - ${issues.join('\n  - ')}`);
  }
}

/** The default ports. */
export const DEFAULT_PORTS = Object.freeze({ grpc: 4317, http: 4318, ui: 18888 });

/** Resolves options with precedence code → environment → defaults, validating everything once. */
export function resolveConfig(options: CollectorOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const issues: string[] = [];
  const port = (field: string, value: unknown, envName: string, fallback: number): number => {
    let raw: unknown = value;
    let where = field;
    if (raw === undefined && env[envName] !== undefined && env[envName] !== '') {
      raw = Number(env[envName]);
      where = `${envName}=${JSON.stringify(env[envName])}`;
    }
    if (raw === undefined) return fallback;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > 65535) {
      issues.push(
        `${where}: ${JSON.stringify(value ?? env[envName])} is not a port (an integer 0..65535, 0 = any free port)`,
      );
      return fallback;
    }
    return raw;
  };
  const grpcPort = port('grpcPort', options.grpcPort, 'OTELKIT_COLLECTOR_GRPC_PORT', DEFAULT_PORTS.grpc);
  const httpPort = port('httpPort', options.httpPort, 'OTELKIT_COLLECTOR_HTTP_PORT', DEFAULT_PORTS.http);
  const uiPort = port('uiPort', options.uiPort, 'OTELKIT_COLLECTOR_UI_PORT', DEFAULT_PORTS.ui);
  const host = options.host ?? (env.OTELKIT_COLLECTOR_HOST || '127.0.0.1');
  if (typeof host !== 'string' || host.trim() === '')
    issues.push(`host: ${JSON.stringify(host)} is not a host name or address`);
  const dataDir = options.dataDir ?? (env.OTELKIT_COLLECTOR_DATA_DIR || undefined);
  if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir.trim() === '')) {
    issues.push(`dataDir: ${JSON.stringify(dataDir)} is not a directory path`);
  }
  const limits: CollectorLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(options.limits ?? {})) {
    if (!(key in DEFAULT_LIMITS)) {
      issues.push(`limits.${key}: unknown limit (accepted: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
    } else if (value !== undefined) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        issues.push(`limits.${key}: ${JSON.stringify(value)} is not a positive integer`);
      } else limits[key as keyof CollectorLimits] = value;
    }
  }
  const bound = [grpcPort, httpPort, uiPort].filter((p) => p !== 0);
  if (new Set(bound).size !== bound.length) {
    issues.push(`ports: grpcPort=${grpcPort}, httpPort=${httpPort}, uiPort=${uiPort} must differ (0 excepted)`);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { grpcPort, httpPort, uiPort, host, dataDir, limits, uiDir: options.uiDir };
}
