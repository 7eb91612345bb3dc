/** A snapshot of a connection pool, in the shape `observePool` from `@otelkit/metrics` reads. */
export interface PoolStats {
  /** Connections handed out right now. */
  used: number;
  /** Open connections nobody holds. */
  idle: number;
  /** The pool's upper bound. */
  max: number;
  /** Callers waiting for a connection. */
  pending: number;
}

/** Called after every acquisition attempt, with how long the caller waited and whether it got a connection. */
export type AcquireListener = (waitMs: number, outcome: 'acquired' | 'timeout') => void;

/** Thrown when no connection became free within the acquisition timeout: the pool is exhausted. */
export class PoolTimeoutError extends Error {
  override readonly name = 'PoolTimeoutError';
  /** Stable code for classification rules. */
  readonly code = 'DB_POOL_ACQUIRE_TIMEOUT';
  readonly pool: string;
  readonly timeoutMs: number;
  readonly stats: PoolStats;

  constructor(pool: string, timeoutMs: number, stats: PoolStats) {
    super(
      `Timed out after ${timeoutMs} ms waiting for a connection from pool ${pool} (${stats.used}/${stats.max} in use, ${stats.pending} waiting)`,
    );
    this.pool = pool;
    this.timeoutMs = timeoutMs;
    this.stats = stats;
  }
}
