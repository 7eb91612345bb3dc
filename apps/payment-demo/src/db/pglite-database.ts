import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { BoundedPool } from './bounded-pool.js';
import type { Connection, Database, PoolOptions, QueryResult } from './database.js';

/** Opens embedded PGlite (in memory, or persisted to `dataDir`) behind a bounded pool. */
export async function openPgliteDatabase(options: PoolOptions & { dataDir?: string } = {}): Promise<Database> {
  const pg = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const pool = new BoundedPool('payments-pglite', options.max ?? 5, options.acquireTimeoutMs ?? 1000);

  const run = async <Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> => {
    const result = await pg.query<Row>(sql, params);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  };
  const connection: Connection = {
    query: run,
    exec: async (sql) => {
      await pg.exec(sql);
    },
    slowStatement: async (ms) => {
      await sleep(ms);
    },
  };

  let closed = false;
  return {
    kind: 'pglite',
    poolName: pool.name,
    async withConnection(fn, opts) {
      const lease = await pool.acquire(opts?.acquireTimeoutMs);
      try {
        return await fn(connection);
      } finally {
        lease.release();
      }
    },
    async query(sql, params) {
      const lease = await pool.acquire();
      try {
        return await run(sql, params);
      } finally {
        lease.release();
      }
    },
    poolStats: () => pool.stats(),
    onAcquire: (listener) => pool.onAcquire(listener),
    async close() {
      if (closed) return;
      closed = true;
      pool.close();
      await pg.close();
    },
  };
}
