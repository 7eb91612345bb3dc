import { withSpan } from '@otelkit/tracing';
import type { Connection, Database, QueryResult } from '../db/database.js';
import { PoolTimeoutError } from '../db/pool-stats.js';

// OpenTelemetry's SpanStatusCode.ERROR, without importing the API for one constant.
const STATUS_ERROR = 2;

/** `INSERT payments`, `UPDATE payments`, `SELECT` — the span name the database semantic conventions ask for. */
function spanName(sql: string): { name: string; operation: string; collection?: string } {
  const text = sql.trim().replace(/\s+/g, ' ');
  const operation = (/^\w+/.exec(text)?.[0] ?? 'query').toUpperCase();
  const collection = /\b(?:FROM|INTO|UPDATE|TABLE)\s+([a-z_][a-z0-9_]*)/i.exec(text)?.[1];
  return {
    name: collection ? `${operation} ${collection}` : operation,
    operation,
    ...(collection ? { collection } : {}),
  };
}

function attributes(db: Database, sql: string): Record<string, string> {
  const { operation, collection } = spanName(sql);
  return {
    'db.system.name': 'postgresql',
    'db.operation.name': operation,
    ...(collection ? { 'db.collection.name': collection } : {}),
    'db.client.connection.pool.name': db.poolName,
  };
}

/**
 * PGlite is not a driver any instrumentation knows: this gives its statements CLIENT-style spans
 * (`INSERT payments`, …) and the pool wait of each connection as an attribute, so a trace shows where the time of a
 * request went — and, in the pool-exhaustion incident, that it went into waiting for a connection. (PostgreSQL through
 * `pg` is traced by the `pg` instrumentation already.) A pool timeout sets the span's status without recording the
 * error again: the request's error capture records it once.
 */
export function traceDatabase(db: Database): Database {
  if (db.kind !== 'pglite') return db;

  const traced = <R>(
    name: string,
    attrs: Record<string, string | number>,
    fn: (span: { setAttribute(key: string, value: number): unknown }) => Promise<R>,
  ): Promise<R> =>
    withSpan(name, { attributes: attrs }, async (span) => {
      try {
        return { ok: true as const, value: await fn(span) };
      } catch (error) {
        if (!(error instanceof PoolTimeoutError)) throw error;
        span.setStatus({ code: STATUS_ERROR, message: error.message });
        span.addEvent('db.client.connection.timeout', {
          'db.client.connection.pool.name': error.pool,
          'db.client.connection.timeout_ms': error.timeoutMs,
          'db.client.connection.pending_requests': error.stats.pending,
        });
        return { ok: false as const, error };
      }
    }).then((outcome) => {
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });

  const tracedConnection = (conn: Connection): Connection => ({
    query: <Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> =>
      withSpan(spanName(sql).name, { attributes: attributes(db, sql) }, () => conn.query<Row>(sql, params)),
    exec: (sql) => conn.exec(sql),
    slowStatement: (ms) =>
      withSpan(
        'SELECT pg_sleep',
        { attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT' } },
        () => conn.slowStatement(ms),
      ),
  });

  return {
    ...db,
    withConnection(fn, options) {
      const requested = performance.now();
      return traced('db connection', { 'db.client.connection.pool.name': db.poolName }, (span) =>
        db.withConnection((conn) => {
          span.setAttribute('db.client.connection.wait_ms', Math.round(performance.now() - requested));
          return fn(tracedConnection(conn));
        }, options),
      );
    },
    query(sql, params) {
      return traced(spanName(sql).name, attributes(db, sql), () => db.query(sql, params));
    },
  };
}
