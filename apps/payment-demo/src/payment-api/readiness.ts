import type { Database } from '../db/database.js';
import type { PoolStats } from '../db/pool-stats.js';
import { PoolTimeoutError } from '../db/pool-stats.js';
import type { GatewayClient } from '../gateway-client/gateway-client.js';

/** healthy: all good; degraded: serving, but something is impaired; unhealthy: cannot serve. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** `GET /ready`. */
export interface Readiness {
  status: HealthStatus;
  checks: {
    database: { status: HealthStatus; kind: string; latencyMs: number; pool: PoolStats; detail?: string };
    cardGateway: { status: HealthStatus; circuit: string; retryAfterSeconds?: number; detail?: string };
  };
}

/** Checks the database (one `SELECT 1` through the pool) and the card gateway's circuit breaker. */
export async function checkReadiness(db: Database, gateway: GatewayClient): Promise<Readiness> {
  const started = performance.now();
  let database: Readiness['checks']['database'];
  try {
    await db.withConnection((conn) => conn.query('SELECT 1 AS ok'), { acquireTimeoutMs: 500 });
    database = {
      status: 'healthy',
      kind: db.kind,
      latencyMs: round(performance.now() - started),
      pool: db.poolStats(),
    };
  } catch (error) {
    const exhausted = error instanceof PoolTimeoutError;
    database = {
      status: exhausted ? 'degraded' : 'unhealthy',
      kind: db.kind,
      latencyMs: round(performance.now() - started),
      pool: db.poolStats(),
      detail: exhausted ? 'connection pool exhausted' : 'database query failed',
    };
  }
  const circuit = gateway.circuit();
  const cardGateway: Readiness['checks']['cardGateway'] =
    circuit.state === 'closed'
      ? { status: 'healthy', circuit: circuit.state }
      : {
          status: 'degraded',
          circuit: circuit.state,
          ...(circuit.state === 'open' ? { retryAfterSeconds: circuit.retryAfterSeconds } : {}),
          detail:
            circuit.state === 'half-open'
              ? 'circuit breaker is testing the gateway'
              : 'circuit breaker is open: charges are refused with 503',
        };
  const statuses = [database.status, cardGateway.status];
  const status: HealthStatus = statuses.includes('unhealthy')
    ? 'unhealthy'
    : statuses.includes('degraded')
      ? 'degraded'
      : 'healthy';
  return { status, checks: { database, cardGateway } };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
