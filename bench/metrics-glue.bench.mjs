// The CPU the RED glue adds to one node:http request, without sockets: a real http.Server gets 'request' events with
// a real IncomingMessage and ServerResponse (node:http's own classes, so the glue's property stores and listeners hit
// the same object shapes as in a server), then the response's 'close', as node:http emits them. No syscalls, no load
// generator: what is left is the glue's own JavaScript (listener, timing, route function, active-requests count,
// histogram record). Each contender runs in a process of its own; the figure is CPU per request minus the same harness
// without instrumentation. (Before, the harness used a plain EventEmitter as the response: it missed what adding
// properties and a 'close' listener to a real ServerResponse costs.)
import { spawnSync } from 'node:child_process';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const CONTENDERS = ['bare harness', 'otelkit instrumentHttpServer', 'prom-client middleware (as in metrics-http)'];
const N = 1_000_000;
const REPEATS = 5;

async function measure(name) {
  const server = createServer(() => {});
  if (name.startsWith('otelkit')) {
    const { startMetrics, instrumentHttpServer } = await import('@otelkit/metrics');
    startMetrics({ otlp: false, prometheus: true, runtime: false, httpClient: false });
    instrumentHttpServer(server, { route: () => '/' });
  } else if (name.startsWith('prom-client')) {
    const client = (await import('prom-client')).default;
    const registry = new client.Registry();
    const histogram = new client.Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests.',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code', 'url_scheme'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      registers: [registry],
    });
    const active = new client.Gauge({ name: 'http_server_active_requests', help: 'Active.', registers: [registry] });
    server.prependListener('request', (req, res) => {
      const end = histogram.startTimer();
      active.inc();
      res.once('close', () => {
        active.dec();
        end({
          http_request_method: req.method,
          http_route: '/',
          http_response_status_code: res.statusCode,
          url_scheme: 'http',
        });
      });
    });
  }
  const socket = new Socket();
  const run = () => {
    for (let i = 0; i < N; i++) {
      const req = new IncomingMessage(socket);
      req.method = 'GET';
      req.url = '/';
      const res = new ServerResponse(req);
      server.emit('request', req, res);
      // What res.end() leaves behind for the glue to read: status, headers sent, finished (no socket attached).
      res.statusCode = 200;
      res._header = 'HTTP/1.1 200 OK\r\n\r\n';
      res.finished = true;
      res.emit('close');
    }
  };
  run(); // warm-up
  const samples = [];
  for (let r = 0; r < REPEATS; r++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    samples.push(((used.user + used.system) * 1000) / N);
  }
  samples.sort((a, b) => a - b);
  return samples[REPEATS >> 1];
}

if (process.argv[2] === '--one') {
  process.stdout.write(JSON.stringify({ ns: await measure(process.argv[3]) }));
  process.exit(0);
} else {
  const self = fileURLToPath(import.meta.url);
  const rows = CONTENDERS.map((name) => {
    const r = spawnSync(process.execPath, [self, '--one', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return { name, ns: JSON.parse(r.stdout).ns };
  });
  const base = rows[0].ns;
  console.log(`\nRED glue per node:http request, in-process (no sockets), median of ${REPEATS}x${N} requests`);
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(w)}  ${r.ns.toFixed(0).padStart(5)} ns CPU/request${r === rows[0] ? '' : `  (+${(r.ns - base).toFixed(0)} ns over the harness)`}`,
    );
  }
}
