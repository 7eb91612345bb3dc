import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One parsed envelope: its header and items (payloads parsed as JSON when they are JSON). */
export interface ReceivedEnvelope {
  header: Record<string, unknown>;
  items: { header: Record<string, unknown>; payload: unknown }[];
  headers: IncomingMessage['headers'];
  path: string;
}

/** How the server answers the next request. */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'hang' };

/** A real HTTP server on 127.0.0.1 that parses Sentry envelopes, as Sentry's ingest would. */
export interface EnvelopeServer {
  url: string;
  /** A DSN pointing at this server, project 42. */
  dsn: string;
  envelopes: ReceivedEnvelope[];
  /** Error events received so far (item type `event`). */
  events(): Record<string, unknown>[];
  requests: number;
  behave(b: Behaviour): void;
  /** Resolves once `n` error events have arrived. */
  waitForEvents(n: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Parses the envelope format: header line, then item header + payload (by `length`, or to the end of the line). */
export function parseEnvelope(body: Buffer): Omit<ReceivedEnvelope, 'headers' | 'path'> {
  let pos = 0;
  const line = (): Buffer => {
    const end = body.indexOf(0x0a, pos);
    const out = body.subarray(pos, end === -1 ? body.length : end);
    pos = end === -1 ? body.length : end + 1;
    return out;
  };
  const header = JSON.parse(line().toString('utf8'));
  const items: ReceivedEnvelope['items'] = [];
  while (pos < body.length) {
    const raw = line();
    if (raw.toString('utf8').trim() === '') continue;
    const itemHeader = JSON.parse(raw.toString('utf8'));
    let payload: Buffer;
    if (typeof itemHeader.length === 'number') {
      payload = body.subarray(pos, pos + itemHeader.length);
      pos += itemHeader.length;
      if (body[pos] === 0x0a) pos++;
    } else payload = line();
    let parsed: unknown = payload.toString('utf8');
    try {
      parsed = JSON.parse(parsed as string);
    } catch {
      /* keep text */
    }
    items.push({ header: itemHeader, payload: parsed });
  }
  return { header, items };
}

export async function startEnvelopeServer(): Promise<EnvelopeServer> {
  const envelopes: ReceivedEnvelope[] = [];
  let behaviour: Behaviour = { kind: 'ok' };
  const hanging = new Set<ServerResponse>();
  const waiters: (() => void)[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (behaviour.kind === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (behaviour.kind === 'status') {
        res.writeHead(behaviour.status, behaviour.headers ?? {});
        res.end();
        return;
      }
      try {
        envelopes.push({ ...parseEnvelope(body), headers: req.headers, path: req.url ?? '' });
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const events = (): Record<string, unknown>[] =>
    envelopes.flatMap((e) =>
      e.items.filter((i) => i.header.type === 'event').map((i) => i.payload as Record<string, unknown>),
    );
  return {
    url: `http://127.0.0.1:${port}`,
    dsn: `http://publickey@127.0.0.1:${port}/42`,
    envelopes,
    events,
    get requests() {
      return requests;
    },
    behave(b) {
      behaviour = b;
    },
    async waitForEvents(n, timeoutMs = 15_000) {
      const started = Date.now();
      while (events().length < n) {
        if (Date.now() - started > timeoutMs) throw new Error(`expected ${n} events, got ${events().length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return events();
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } as EnvelopeServer;
}
