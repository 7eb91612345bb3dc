import pg from 'pg';
import type { Connection, Database, PoolOptions, QueryResult } from './database.js';
import { type AcquireListener, type PoolStats, PoolTimeoutError } from './pool-stats.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens PostgreSQL through `pg.Pool` (`max` connections, `connectionTimeoutMillis` as the acquisition timeout).
 * `schema` confines every connection to one schema (created when missing), so test runs do not collide.
 */
export async function openPostgresDatabase(
  connectionString: string,
  options: PoolOptions & { schema?: string } = {},
): Promise<Database> {
  const max = options.max ?? 5;
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 1000;
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: expected ${SCHEMA_NAME}`);
  }
  if (schema) {
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: acquireTimeoutMs,
    idleTimeoutMillis: 30_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its server emits here; without a listener that would crash the process.
  pool.on('error', () => {});
  const listeners: AcquireListener[] = [];
  const emit = (waitMs: number, outcome: 'acquired' | 'timeout') => {
    for (const listener of listeners) {
      try {
        listener(waitMs, outcome);
      } catch {
        // Observers never break the pool.
      }
    }
  };
  const stats = (): PoolStats => ({
    used: pool.totalCount - pool.idleCount,
    idle: pool.idleCount,
    max,
    pending: pool.waitingCount,
  });
  const poolName = `payments-postgres${schema ? `-${schema}` : ''}`;

  const acquire = async (): Promise<pg.PoolClient> => {
    const since = performance.now();
    const before = stats();
    try {
      const client = await pool.connect();
      emit(performance.now() - since, 'acquired');
      return client;
    } catch (error) {
      const waited = performance.now() - since;
      if (error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message)) {
        emit(waited, 'timeout');
        throw new PoolTimeoutError(poolName, acquireTimeoutMs, { ...before, pending: Math.max(before.pending, 1) });
      }
      throw error;
    }
  };
  const wrap = (client: pg.PoolClient): Connection => ({
    async query<Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query(sql, params);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql) {
      await client.query(sql);
    },
    async slowStatement(ms) {
      await client.query('SELECT pg_sleep($1)', [ms / 1000]);
    },
  });

  let closed = false;
  return {
    kind: 'postgres',
    poolName,
    async withConnection(fn) {
      const client = await acquire();
      let broken: Error | undefined;
      try {
        return await fn(wrap(client));
      } catch (error) {
        // A connection whose statement was cut off mid-protocol must not go back to the pool.
        if (error instanceof Error && /Connection terminated|ECONNRESET/.test(error.message)) broken = error;
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async query(sql, params) {
      const client = await acquire();
      try {
        const result = await client.query(sql, params);
        return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
      } finally {
        client.release();
      }
    },
    poolStats: stats,
    onAcquire: (listener) => {
      listeners.push(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Drops a schema created by {@link openPostgresDatabase} (tests clean up after themselves). */
export async function dropPostgresSchema(connectionString: string, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}
