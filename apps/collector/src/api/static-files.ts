import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const FALLBACK_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>otelkit collector</title></head>
<body><h1>otelkit collector</h1><p>The web UI is not built (run <code>pnpm --filter @otelkit/collector build</code>).
The JSON API is available: <a href="/api/services">/api/services</a>, <a href="/api/traces">/api/traces</a>,
<a href="/api/logs">/api/logs</a>, <a href="/api/errors">/api/errors</a>, <a href="/api/metrics/red">/api/metrics/red</a>,
<a href="/api/report?format=markdown">/api/report</a>, <a href="/api/stats">/api/stats</a>.</p></body></html>`;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the built UI from `uiDir`: an existing file as is; any other path without a file extension gets
 * `index.html` (the UI routes on the client). Paths never escape `uiDir`.
 */
export async function serveStatic(uiDir: string, req: IncomingMessage, res: ServerResponse, path: string) {
  const root = resolve(uiDir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = '/';
  }
  const target = resolve(join(root, decoded));
  const inside = target === root || target.startsWith(root + sep);
  let file: string | undefined;
  if (inside && (await isFile(target))) file = target;
  else if (!extname(decoded) || decoded.endsWith('.html')) {
    const index = join(root, 'index.html');
    if (await isFile(index)) file = index;
    else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : FALLBACK_PAGE);
      return;
    }
  }
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
