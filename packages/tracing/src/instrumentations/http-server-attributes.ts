import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';

// Stable HTTP semantic conventions, spelled as @opentelemetry/semantic-conventions does.
export const ATTR = {
  method: 'http.request.method',
  methodOriginal: 'http.request.method_original',
  scheme: 'url.scheme',
  path: 'url.path',
  query: 'url.query',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  peerAddress: 'network.peer.address',
  peerPort: 'network.peer.port',
  protocolVersion: 'network.protocol.version',
  userAgent: 'user_agent.original',
  statusCode: 'http.response.status_code',
  route: 'http.route',
  errorType: 'error.type',
} as const;

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/** Query parameters whose values the stock instrumentation replaces with `REDACTED` (signed URLs). */
const REDACTED_QUERY_PARAMS = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

export function normalizeMethod(method: string | undefined): string {
  if (method == null) return 'GET';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

// A request target that the WHATWG URL parser would return unchanged as `pathname`: no query, no percent escapes
// or characters it would encode, no dot segments, no backslashes.
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9\-_~!$&'()*+,;=:@/]*$/;

type HostPort = Readonly<{ host: string; port?: string }>;

// The same Host header arrives on request after request: the last one parsed is remembered, with its result.
let lastHost: string | undefined;
let lastProto: string | undefined;
let lastHostPort: HostPort = { host: '' };

/** The host and port of a Host-like header value (`proto` supplies the default port); the result is shared. */
export function hostPort(host: string, proto: string | undefined): HostPort {
  if (host !== lastHost || proto !== lastProto) {
    lastHostPort = parseHostPort(host, proto);
    lastHost = host;
    lastProto = proto;
  }
  return lastHostPort;
}

function parseHostPort(host: string, proto: string | undefined): HostPort {
  const parts = host.split(':');
  if (parts.length === 1) {
    if (proto === 'http') return { host, port: '80' };
    if (proto === 'https') return { host, port: '443' };
    return { host };
  }
  if (parts.length === 2) return { host: parts[0] as string, port: parts[1] as string };
  if ((parts[0] as string).startsWith('[')) {
    if ((parts[parts.length - 1] as string).endsWith(']')) {
      if (proto === 'http') return { host, port: '80' };
      if (proto === 'https') return { host, port: '443' };
    } else if ((parts[parts.length - 2] as string).endsWith(']')) {
      return { host: parts.slice(0, -1).join(':'), port: parts[parts.length - 1] as string };
    }
  }
  return { host };
}

interface ForwardedEntry {
  for?: string;
  host?: string;
  proto?: string;
}

// RFC 7239 `Forwarded: for=…;host=…;proto=…, for=…`. Malformed input yields no entries, as forwarded-parse's
// exception does in the stock instrumentation.
function parseForwarded(header: string): ForwardedEntry[] {
  const out: ForwardedEntry[] = [];
  for (const element of header.split(',')) {
    const entry: ForwardedEntry = {};
    for (const pair of element.split(';')) {
      const trimmed = pair.trim();
      if (trimmed === '') continue;
      const eq = trimmed.indexOf('=');
      if (eq <= 0) return [];
      const key = trimmed.slice(0, eq).toLowerCase();
      let value = trimmed.slice(eq + 1);
      if (value.startsWith('"')) {
        if (!value.endsWith('"') || value.length < 2) return [];
        value = value.slice(1, -1);
      }
      if (key === 'for' || key === 'host' || key === 'proto') entry[key] = value;
    }
    out.push(entry);
  }
  return out;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function serverAddress(req: IncomingMessage, scheme: string): HostPort | undefined {
  const headers = req.headers;
  const forwarded = headers.forwarded;
  if (forwarded) {
    for (const entry of parseForwarded(forwarded)) if (entry.host) return hostPort(entry.host, entry.proto);
  }
  const xfh = headers['x-forwarded-host'] as string | string[] | undefined;
  const xfhValue = typeof xfh === 'string' ? xfh : Array.isArray(xfh) && xfh[0] ? xfh[0] : undefined;
  if (xfhValue !== undefined) return hostPort(xfhValue, first(headers['x-forwarded-proto'] as string | string[]));
  const host = headers.host;
  if (typeof host === 'string' && host.length > 0) return hostPort(host, scheme);
  return undefined;
}

function stripPort(input: string): string {
  try {
    const { hostname } = new URL(`http://${input}`);
    return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  } catch {
    return input;
  }
}

function clientAddress(req: IncomingMessage): string | undefined {
  const forwarded = req.headers.forwarded;
  if (forwarded) {
    for (const entry of parseForwarded(forwarded)) if (entry.for) return stripPort(entry.for);
  }
  const xff = req.headers['x-forwarded-for'];
  const xffValue = first(xff);
  if (typeof xffValue === 'string') return stripPort((xffValue.split(',')[0] as string).trim());
  return req.socket.remoteAddress ?? undefined;
}

function pathAndQuery(req: IncomingMessage, scheme: string): { path?: string; query?: string } {
  const target = req.url ?? '/';
  if (PLAIN_PATH.test(target)) return { path: target };
  try {
    const url = new URL(target, `${scheme}://${req.headers.host ?? 'localhost'}`);
    const out: { path?: string; query?: string } = { path: url.pathname };
    if (url.search) {
      const params = new URLSearchParams(url.search.slice(1));
      for (const name of REDACTED_QUERY_PARAMS) if (params.has(name)) params.set(name, 'REDACTED');
      out.query = params.toString();
    }
    return out;
  } catch {
    return {};
  }
}

/**
 * The attributes a sampler sees when the server span starts: method, scheme, path, query, server address and
 * port — the cheap ones of the semantic conventions' "sampling relevant" list. The rest ({@link recordedAttributes})
 * is only computed for spans that are recorded, so an unsampled request costs less.
 */
export function samplingAttributes(req: IncomingMessage, scheme: string): Attributes {
  const attributes: Attributes = {
    [ATTR.method]: normalizeMethod(req.method),
    [ATTR.scheme]: scheme,
  };
  const { path, query } = pathAndQuery(req, scheme);
  if (path !== undefined) attributes[ATTR.path] = path;
  if (query) attributes[ATTR.query] = query;
  const server = serverAddress(req, scheme);
  if (server?.host !== undefined) attributes[ATTR.serverAddress] = server.host;
  if (server?.port != null) attributes[ATTR.serverPort] = Number(server.port);
  return attributes;
}

/**
 * The other request attributes of a recorded server span. Together with {@link samplingAttributes}: exactly the
 * attributes `@opentelemetry/instrumentation-http` 0.223 sets under the stable HTTP semantic conventions (a test
 * compares both), with a fast path for the common plain path.
 */
export function recordedAttributes(req: IncomingMessage): Attributes {
  const method = req.method;
  const socket = req.socket;
  const attributes: Attributes = {};
  const peer = socket.remoteAddress;
  if (peer !== undefined) attributes[ATTR.peerAddress] = peer;
  const peerPort = socket.remotePort;
  if (peerPort !== undefined) attributes[ATTR.peerPort] = peerPort;
  attributes[ATTR.protocolVersion] = req.httpVersion;
  const userAgent = req.headers['user-agent'];
  if (userAgent !== undefined) attributes[ATTR.userAgent] = userAgent;
  const client = clientAddress(req);
  if (client != null) attributes[ATTR.clientAddress] = client;
  if (method !== undefined && method !== normalizeMethod(method)) attributes[ATTR.methodOriginal] = method;
  return attributes;
}
