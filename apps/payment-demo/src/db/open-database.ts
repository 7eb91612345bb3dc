import type { Database, PoolOptions } from './database.js';
import { migrate } from './migrations.js';
import { openPgliteDatabase } from './pglite-database.js';
import { openPostgresDatabase } from './postgres-database.js';

/** Where the payments live. */
export interface DatabaseOptions extends PoolOptions {
  /** PostgreSQL when set (`postgres://…`); embedded PGlite otherwise. */
  databaseUrl?: string;
  /** PostgreSQL only: confine the tables to this schema (created when missing). */
  schema?: string;
  /** PGlite only: persist to this directory (in memory when absent). */
  pgliteDataDir?: string;
}

/** Opens the database the options select and applies pending migrations. */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const pool: PoolOptions = {};
  if (options.max !== undefined) pool.max = options.max;
  if (options.acquireTimeoutMs !== undefined) pool.acquireTimeoutMs = options.acquireTimeoutMs;
  const db = options.databaseUrl
    ? await openPostgresDatabase(options.databaseUrl, {
        ...pool,
        ...(options.schema ? { schema: options.schema } : {}),
      })
    : await openPgliteDatabase({ ...pool, ...(options.pgliteDataDir ? { dataDir: options.pgliteDataDir } : {}) });
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
