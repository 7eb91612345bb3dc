import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import {
  type CardGateway,
  createCardGatewayApp,
  createGatewayClient,
  createPaymentApi,
  type Database,
  dropPostgresSchema,
  type GatewayClientOptions,
  type GatewayFaults,
  openDatabase,
  type PaymentApiOptions,
} from '../../src/index.js';

/** The PostgreSQL the tests use (trust auth on these machines). */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers; in CI its absence is a failure, not a skip. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL at ${POSTGRES_URL} is required in CI`, { cause: error });
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops a test schema from the test PostgreSQL. */
export function dropSchema(schema: string): Promise<void> {
  return dropPostgresSchema(POSTGRES_URL, schema);
}

export type DbMode = 'pglite' | 'postgres';

export interface DomainStack {
  apiUrl: string;
  gatewayUrl: string;
  gateway: CardGateway;
  db: Database;
  close(): Promise<void>;
}

export interface DomainStackOptions {
  mode: DbMode;
  faults?: Partial<GatewayFaults>;
  client?: Partial<GatewayClientOptions>;
  api?: Partial<PaymentApiOptions>;
  pool?: { max?: number; acquireTimeoutMs?: number };
}

async function listen(server: Server): Promise<number> {
  if (!server.listening) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  return (server.address() as AddressInfo).port;
}

/** payment-api and card-gateway in this process, on 127.0.0.1 port 0, over a fresh database. */
export async function startDomainStack(options: DomainStackOptions): Promise<DomainStack> {
  const gatewayKey = `gw_test_${randomBytes(8).toString('hex')}`;
  const gateway = createCardGatewayApp({ apiKey: gatewayKey, faults: { declineRate: 0, ...options.faults } });
  const gatewayServer = gateway.app.listen(0, '127.0.0.1');
  const gatewayPort = await listen(gatewayServer);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

  const schema = options.mode === 'postgres' ? `payments_test_${randomBytes(6).toString('hex')}` : undefined;
  const db = await openDatabase({
    ...(options.mode === 'postgres' ? { databaseUrl: POSTGRES_URL, schema } : {}),
    ...options.pool,
  });
  const client = createGatewayClient({
    baseUrl: gatewayUrl,
    apiKey: gatewayKey,
    // Generous: a loaded CI machine must not turn a slow answer into a retry the assertions did not expect.
    attemptTimeoutMs: 3000,
    initialBackoffMs: 20,
    maxBackoffMs: 100,
    halfOpenAfterMs: 500,
    ...options.client,
  });
  const api = await createPaymentApi({ db, gateway: client, version: '2.0.0', ...options.api });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;

  return {
    apiUrl,
    gatewayUrl,
    gateway,
    db,
    async close() {
      await api.close();
      gatewayServer.closeAllConnections();
      await new Promise<void>((resolve) => gatewayServer.close(() => resolve()));
      await db.close();
      if (schema) await dropPostgresSchema(POSTGRES_URL, schema);
    },
  };
}

/** A valid charge body. */
export function chargeBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: 149.99,
    currency: 'USD',
    customerId: '3f2b6c1e-8a4d-4e2f-9b7a-1c2d3e4f5a6b',
    paymentMethodId: 'pm_card_visa',
    ...overrides,
  };
}

export interface HttpReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** POSTs a charge. */
export async function postCharge(
  apiUrl: string,
  body: unknown,
  key: string | undefined,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  const response = await fetch(`${apiUrl}/api/v1/payments/charge`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key !== undefined ? { 'idempotency-key': key } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

export async function getJson(url: string, init?: RequestInit): Promise<HttpReply> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

export function newKey(prefix = 'test'): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}
