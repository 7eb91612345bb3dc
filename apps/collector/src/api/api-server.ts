import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CollectorQuery } from '../query/query.js';
import { renderMarkdown } from '../report/markdown.js';
import type { IncidentReport } from '../report/report.js';
import { ParamError, Params } from './params.js';
import { serveStatic } from './static-files.js';

function json(res: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': payload.length,
    'cache-control': 'no-store',
  });
  res.end(payload);
}

/** What an API route answers: a status and a JSON body, or Markdown text. */
type Reply = { status: number; body: unknown } | { markdown: string };

const ok = (body: unknown): Reply => ({ status: 200, body });
const notFound = (what: string): Reply => ({ status: 404, body: { error: `${what} not found` } });

/**
 * The UI port: the JSON API under `/api/` and the built web UI for every other path.
 * Unknown ids → 404 with a JSON error; bad query values → 400 naming the parameter.
 */
export function createApiHandler(query: CollectorQuery, report: () => IncidentReport, uiDir: string) {
  const api = (path: string, p: Params): Reply => {
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [, resource, id, ...rest] = segments;
    if (rest.length > 0) return notFound(path);
    switch (resource) {
      case 'traces': {
        if (id !== undefined) {
          const trace = query.getTrace(id);
          return trace ? ok(trace) : notFound(`trace ${id}`);
        }
        const traces = query.listTraces({
          service: p.string('service'),
          status: p.oneOf('status', ['error', 'ok', 'unset'] as const),
          name: p.string('name'),
          startMs: p.time('start'),
          endMs: p.time('end'),
          minDurationMs: p.number('minDurationMs', 0),
          limit: p.int('limit', 1, 1000),
        });
        return ok({ traces });
      }
      case 'logs': {
        if (id !== undefined) return notFound(path);
        const logs = query.searchLogs({
          traceId: p.hex('trace_id', 32),
          spanId: p.hex('span_id', 16),
          correlationId: p.string('correlation_id'),
          levels: p.levels('level'),
          service: p.string('service'),
          fingerprint: p.string('fingerprint'),
          q: p.string('q'),
          startMs: p.time('start'),
          endMs: p.time('end'),
          limit: p.int('limit', 1, 5000),
        });
        return ok({ logs });
      }
      case 'errors': {
        if (id !== undefined) {
          const group = query.getErrorGroup(id);
          return group ? ok(group) : notFound(`error group ${id}`);
        }
        const groups = query.listErrorGroups({
          service: p.string('service'),
          sort: p.oneOf('sort', ['lastSeen', 'count', 'firstSeen'] as const),
          limit: p.int('limit', 1, 1000),
        });
        return ok({ groups });
      }
      case 'metrics': {
        if (id !== 'red') return notFound(path);
        return ok(
          query.red({
            service: p.string('service'),
            route: p.string('route'),
            source: p.oneOf('source', ['spans', 'metrics', 'all'] as const),
          }),
        );
      }
      case 'services':
        if (id !== undefined) return notFound(path);
        return ok({ services: query.services() });
      case 'stats':
        return ok(query.stats());
      case 'health':
        return ok({ status: 'ok' });
      case 'report': {
        const format = p.oneOf('format', ['json', 'markdown'] as const) ?? 'json';
        const r = report();
        return format === 'json' ? ok(r) : { markdown: renderMarkdown(r) };
      }
      default:
        return notFound(path);
    }
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://collector.local');
    } catch {
      json(res, 400, { error: 'malformed request URL' });
      return;
    }
    const path = url.pathname;
    const isApi = path === '/api' || path.startsWith('/api/');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      json(res, 405, { error: `method ${req.method} is not allowed; the collector UI and API are read-only` });
      return;
    }
    if (!isApi) {
      serveStatic(uiDir, req, res, path).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: (error as Error).message });
        else res.destroy();
      });
      return;
    }
    try {
      const params = new Params(url.searchParams);
      const reply = api(path, params);
      if (!('status' in reply) || reply.status === 200) params.assertAllKnown();
      if ('markdown' in reply) {
        const text = Buffer.from(reply.markdown);
        res.writeHead(200, { 'content-type': 'text/markdown; charset=utf-8', 'content-length': text.length });
        res.end(text);
      } else json(res, reply.status, reply.body);
    } catch (error) {
      if (error instanceof ParamError) json(res, 400, { error: error.message, parameter: error.parameter });
      else if (error instanceof URIError) json(res, 400, { error: 'malformed percent-encoding in the path' });
      else json(res, 500, { error: `internal error: ${(error as Error).message}` });
    }
  };
}
