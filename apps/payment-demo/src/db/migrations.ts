import type { Database } from './database.js';

/** One forward-only schema change. */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/** The payment API's schema, in order. Never edit an applied migration: add the next one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'create payments',
    sql: `
CREATE TABLE payments (
  id                uuid        PRIMARY KEY,
  idempotency_key   text        NOT NULL,
  request_hash      text        NOT NULL,
  customer_id       uuid        NOT NULL,
  amount_minor      bigint      NOT NULL CHECK (amount_minor > 0 AND amount_minor <= 100000000),
  currency          char(3)     NOT NULL CHECK (currency IN ('USD', 'EUR', 'GBP')),
  payment_method_id text        NOT NULL,
  card_last4        text,
  card_brand        text,
  status            text        NOT NULL CHECK (status IN ('processing', 'succeeded', 'declined', 'failed', 'retryable')),
  attempts          integer     NOT NULL DEFAULT 1,
  lease_expires_at  timestamptz,
  gateway_charge_id text,
  decline_code      text,
  response_status   integer,
  response_body     json,
  response_headers  json,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_idempotency_key_unique UNIQUE (idempotency_key)
);`,
  },
  {
    id: 2,
    name: 'index payments by customer',
    sql: 'CREATE INDEX payments_customer_created_idx ON payments (customer_id, created_at DESC);',
  },
];

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction. On PostgreSQL an
 * advisory lock keeps two starting instances from migrating at once. Returns the ids it applied.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.withConnection(async (conn) => {
    if (db.kind === 'postgres') await conn.query('SELECT pg_advisory_lock(7263500)');
    try {
      await conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await conn.query<{ id: number }>('SELECT id FROM schema_migrations');
      const applied = new Set(rows.map((r) => Number(r.id)));
      const done: number[] = [];
      for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
        if (applied.has(migration.id)) continue;
        await conn.exec('BEGIN');
        try {
          await conn.exec(migration.sql);
          await conn.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
          await conn.exec('COMMIT');
        } catch (error) {
          await conn.exec('ROLLBACK');
          throw new Error(`migration ${migration.id} (${migration.name}) failed`, { cause: error });
        }
        done.push(migration.id);
      }
      return done;
    } finally {
      if (db.kind === 'postgres') await conn.query('SELECT pg_advisory_unlock(7263500)');
    }
  });
}
