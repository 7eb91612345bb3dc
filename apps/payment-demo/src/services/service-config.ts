import { ConfigError, type ConfigProblem } from '@otelkit/core';

type Env = NodeJS.ProcessEnv;

class EnvReader {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? fallback : raw;
  }

  optional(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push({ field: name, value: raw, expected: `an integer from ${min} to ${max}` });
      return fallback;
    }
    return value;
  }

  url(name: string, fallback: string | undefined, protocols: string[]): string | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    try {
      const url = new URL(raw);
      if (!protocols.includes(url.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      this.problems.push({ field: name, value: raw, expected: `a URL (${protocols.join(' or ')})` });
      return fallback;
    }
  }

  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

/** payment-api's settings (environment variables, validated at start). */
export interface PaymentApiConfig {
  host: string;
  /** `PAYMENT_API_PORT`; 0 picks a free port. */
  port: number;
  /** `DATABASE_URL`: PostgreSQL when set. */
  databaseUrl?: string;
  /** `DATABASE_SCHEMA`: PostgreSQL only — keep the tables in this schema (created when missing). */
  databaseSchema?: string;
  /** `PGLITE_DATA_DIR`: where embedded PGlite persists (in memory when unset). */
  pgliteDataDir?: string;
  poolMax: number;
  poolAcquireTimeoutMs: number;
  gatewayUrl: string;
  gatewayApiKey: string;
  /** `PAYMENT_API_KEY`: when set, clients must send it as a bearer token. */
  apiKey?: string;
  gatewayAttemptTimeoutMs: number;
  gatewayMaxRetries: number;
  gatewayBreakerThreshold: number;
  gatewayHalfOpenAfterMs: number;
  /** `PAYMENT_API_SLOW_QUERY_MS`: the pool-exhaustion fault at start. */
  slowQueryMs: number;
}

/** Reads payment-api's variables; every bad value is reported at once as a ConfigError. */
export function paymentApiConfig(env: Env = process.env): PaymentApiConfig {
  const r = new EnvReader(env);
  const config: PaymentApiConfig = {
    host: r.string('PAYMENT_API_HOST', '127.0.0.1'),
    port: r.int('PAYMENT_API_PORT', 3100, 0, 65535),
    poolMax: r.int('DB_POOL_MAX', 5, 1, 100),
    poolAcquireTimeoutMs: r.int('DB_POOL_ACQUIRE_TIMEOUT_MS', 1000, 10, 60_000),
    gatewayUrl: r.url('CARD_GATEWAY_URL', 'http://127.0.0.1:3101', ['http:', 'https:']) as string,
    gatewayApiKey: r.string('CARD_GATEWAY_API_KEY', 'gw_demo_secret_key'),
    gatewayAttemptTimeoutMs: r.int('CARD_GATEWAY_TIMEOUT_MS', 800, 10, 60_000),
    gatewayMaxRetries: r.int('CARD_GATEWAY_MAX_RETRIES', 2, 0, 10),
    gatewayBreakerThreshold: r.int('CARD_GATEWAY_BREAKER_THRESHOLD', 5, 1, 1000),
    gatewayHalfOpenAfterMs: r.int('CARD_GATEWAY_BREAKER_HALF_OPEN_MS', 5000, 10, 600_000),
    slowQueryMs: r.int('PAYMENT_API_SLOW_QUERY_MS', 0, 0, 60_000),
  };
  const databaseUrl = r.url('DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  if (databaseUrl) config.databaseUrl = databaseUrl;
  const schema = r.optional('DATABASE_SCHEMA');
  if (schema !== undefined) {
    if (/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) config.databaseSchema = schema;
    else r.problems.push({ field: 'DATABASE_SCHEMA', value: schema, expected: 'a lower-case SQL identifier' });
  }
  const dataDir = r.optional('PGLITE_DATA_DIR');
  if (dataDir) config.pgliteDataDir = dataDir;
  const apiKey = r.optional('PAYMENT_API_KEY');
  if (apiKey) config.apiKey = apiKey;
  r.done();
  return config;
}

/** card-gateway's settings (its fault switches are read by `faultsFromEnv`). */
export interface CardGatewayConfig {
  host: string;
  port: number;
  apiKey: string;
}

/** Reads card-gateway's variables. */
export function cardGatewayConfig(env: Env = process.env): CardGatewayConfig {
  const r = new EnvReader(env);
  const config: CardGatewayConfig = {
    host: r.string('CARD_GATEWAY_HOST', '127.0.0.1'),
    port: r.int('CARD_GATEWAY_PORT', 3101, 0, 65535),
    apiKey: r.string('CARD_GATEWAY_API_KEY', 'gw_demo_secret_key'),
  };
  r.done();
  return config;
}
