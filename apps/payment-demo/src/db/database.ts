import type { AcquireListener, PoolStats } from './pool-stats.js';

/** The rows of one statement and how many rows it changed. */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** One connection held from the pool. */
export interface Connection {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** A statement that takes `ms` on this connection (the pool-exhaustion fault): `pg_sleep` on PostgreSQL; on
   * PGlite, whose `pg_sleep` would block the whole event loop, the connection is held for that long instead. */
  slowStatement(ms: number): Promise<void>;
}

/** The database behind the payment API: PGlite (embedded) or PostgreSQL, always through a bounded pool. */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** The pool's name as metrics and errors show it. */
  readonly poolName: string;
  /** Runs `fn` with a connection held for its whole duration; waits at most the acquisition timeout for one. */
  withConnection<R>(fn: (connection: Connection) => Promise<R>, options?: { acquireTimeoutMs?: number }): Promise<R>;
  /** One statement on a connection of its own. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  poolStats(): PoolStats;
  /** Observes every acquisition (wait time, outcome). */
  onAcquire(listener: AcquireListener): void;
  close(): Promise<void>;
}

/** Pool bounds shared by both backends. */
export interface PoolOptions {
  /** @defaultValue 5 */
  max?: number;
  /** @defaultValue 1000 */
  acquireTimeoutMs?: number;
}
