import type { Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { ConfigError, warnOnce } from '@otelkit/core';
import { ProviderCache } from '../internal/provider-cache.js';
import {
  ATTR_DB_CLIENT_CONNECTION_POOL_NAME,
  ATTR_DB_CLIENT_CONNECTION_STATE,
  HTTP_DURATION_BUCKETS,
  METRIC_DB_CLIENT_CONNECTION_COUNT,
  METRIC_DB_CLIENT_CONNECTION_MAX,
  METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
  METRIC_DB_CLIENT_CONNECTION_WAIT_TIME,
} from '../internal/semconv.js';
import { SCOPE_NAME, SCOPE_VERSION } from '../internal/version.js';

/** A snapshot of a connection pool, in the terms of the database semantic conventions. */
export interface PoolStats {
  /** Connections checked out and in use. */
  used: number;
  /** Connections open and idle in the pool. */
  idle: number;
  /** The most connections the pool will open. */
  max?: number;
  /** Callers waiting for a connection. */
  pending?: number;
}

/**
 * The counters a `pg` Pool exposes (`totalCount`, `idleCount`, `waitingCount`, `options.max`): a `pg.Pool` can be
 * passed to {@link observePool} as it is.
 */
export interface PgPoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** What {@link observePool} reads on every collection: a function returning {@link PoolStats}, or a pg-like pool. */
export type PoolStatsSource = (() => PoolStats) | PgPoolLike;

/** Options of {@link observePool}. */
export interface ObservePoolOptions {
  /**
   * The pool's maximum size when the stats do not carry it (`pg` defaults to 10).
   * @defaultValue `stats.max`, else `options.max` of a pg pool, else 10 for a pg pool
   */
  max?: number;
  /**
   * The meter provider to record with.
   * @defaultValue the global provider (the one `startMetrics()` registered)
   */
  meterProvider?: MeterProvider;
}

/** A pool being observed. */
export interface PoolObserver {
  /** Records how long one caller waited for a connection, in seconds. */
  recordWaitTime(seconds: number): void;
  /**
   * Runs `acquire` (e.g. `() => pool.connect()`) and records its wait time, success or not.
   * @example
   * ```ts
   * const client = await observer.timeAcquire(() => pool.connect());
   * ```
   */
  timeAcquire<T>(acquire: () => Promise<T>): Promise<T>;
  /** Stops observing the pool. */
  close(): void;
}

const pools = new Map<string, () => PoolStats | undefined>();

/** Creates the pool instruments on a provider up front, so pools observed before `startMetrics()` still show. */
export function registerPoolInstruments(provider: MeterProvider): void {
  poolInstruments(provider.getMeter(SCOPE_NAME, SCOPE_VERSION), provider);
}

interface PoolInstruments {
  waitTime: Histogram;
}
const byProvider = new WeakMap<MeterProvider, PoolInstruments>();

function poolInstruments(meter: Meter, provider: MeterProvider): PoolInstruments {
  let instruments = byProvider.get(provider);
  if (instruments !== undefined) return instruments;
  const count = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_COUNT, {
    description: 'The number of connections that are currently in state described by the state attribute.',
    unit: '{connection}',
  });
  const max = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_MAX, {
    description: 'The maximum number of open connections allowed.',
    unit: '{connection}',
  });
  const pending = meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS, {
    description: 'The number of current pending requests for an open connection.',
    unit: '{request}',
  });
  meter.addBatchObservableCallback(
    (result) => {
      for (const [name, read] of pools) {
        const stats = read();
        if (stats === undefined) continue;
        const pool = { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: name };
        result.observe(count, stats.used, { ...pool, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'used' });
        result.observe(count, stats.idle, { ...pool, [ATTR_DB_CLIENT_CONNECTION_STATE]: 'idle' });
        if (stats.max !== undefined) result.observe(max, stats.max, pool);
        result.observe(pending, stats.pending ?? 0, pool);
      }
    },
    [count, max, pending],
  );
  instruments = {
    waitTime: meter.createHistogram(METRIC_DB_CLIENT_CONNECTION_WAIT_TIME, {
      description: 'The time it took to obtain an open connection from the pool.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...HTTP_DURATION_BUCKETS] },
    }),
  };
  byProvider.set(provider, instruments);
  return instruments;
}

function finite(n: unknown): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function reader(name: string, source: PoolStatsSource, fallbackMax: number | undefined): () => PoolStats | undefined {
  return () => {
    try {
      if (typeof source === 'function') {
        const s = source();
        const used = finite(s?.used);
        const idle = finite(s?.idle);
        if (used === undefined || idle === undefined) throw new TypeError('stats() must return { used, idle }');
        const stats: PoolStats = { used, idle, pending: finite(s.pending) ?? 0 };
        const max = finite(s.max) ?? fallbackMax;
        if (max !== undefined) stats.max = max;
        return stats;
      }
      const total = finite(source.totalCount) ?? 0;
      const idle = finite(source.idleCount) ?? 0;
      return {
        used: Math.max(0, total - idle),
        idle,
        pending: finite(source.waitingCount) ?? 0,
        max: fallbackMax ?? finite(source.options?.max) ?? 10,
      };
    } catch (error) {
      warnOnce(`metrics.pool.${name}`, `reading the stats of pool "${name}" failed; the pool is not reported`, {
        pool: name,
        error: String(error),
      });
      return undefined;
    }
  };
}

/**
 * Publishes a connection pool as the semantic-convention pool metrics: `db.client.connection.count` by
 * `db.client.connection.state` (`used`, `idle`), `db.client.connection.max`, `db.client.connection.pending_requests`
 * and the `db.client.connection.wait_time` histogram, all with `db.client.connection.pool.name`. The stats are read
 * on each collection, so an exhausted pool shows at the next scrape, not after the first timeout.
 *
 * @example
 * ```ts
 * const pool = new pg.Pool({ max: 20 });
 * const observer = observePool('payments-db', pool);
 * const client = await observer.timeAcquire(() => pool.connect());
 * ```
 */
export function observePool(name: string, stats: PoolStatsSource, options: ObservePoolOptions = {}): PoolObserver {
  const problems = [];
  if (typeof name !== 'string' || name.trim() === '' || name.length > 128) {
    problems.push({
      field: 'observePool.name',
      value: name,
      expected: 'a non-empty pool name of at most 128 characters',
    });
  }
  const isPg = stats !== null && typeof stats === 'object' && typeof (stats as PgPoolLike).totalCount === 'number';
  if (typeof stats !== 'function' && !isPg) {
    problems.push({
      field: 'observePool.stats',
      value: typeof stats,
      expected:
        'a function returning { used, idle, max?, pending? } or a pg Pool (totalCount, idleCount, waitingCount)',
    });
  }
  if (options.max !== undefined && !(Number.isInteger(options.max) && options.max > 0)) {
    problems.push({ field: 'observePool.options.max', value: options.max, expected: 'a positive integer' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (pools.has(name)) {
    warnOnce(
      `metrics.pool.duplicate.${name}`,
      `pool "${name}" was observed twice; the later registration replaces the earlier`,
      {
        pool: name,
      },
    );
  }
  const read = reader(name, stats, options.max);
  pools.set(name, read);
  const instruments = new ProviderCache(poolInstruments, options.meterProvider);
  // Create the observable instruments now, so the pool shows at the first collection even before any wait.
  instruments.get();
  const attributes = Object.freeze({ [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: name });
  const recordWaitTime = (seconds: number): void => {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) return;
    instruments.get().waitTime.record(seconds, attributes);
  };
  return {
    recordWaitTime,
    async timeAcquire<T>(acquire: () => Promise<T>): Promise<T> {
      const start = performance.now();
      try {
        return await acquire();
      } finally {
        recordWaitTime((performance.now() - start) / 1000);
      }
    },
    close() {
      if (pools.get(name) === read) pools.delete(name);
    },
  };
}
