#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadDataDir, startCollector } from './collector.js';
import { ConfigError, DEFAULT_PORTS } from './config.js';
import { tuneCollectorProcessGc } from './process-gc.js';

const HELP = `otelkit-collector — the local collector: OTLP gRPC/HTTP + Sentry envelopes in, a web UI and a JSON API out

Usage:
  otelkit-collector [options]            start the collector
  otelkit-collector report [options]     print the incident report

Options (start):
  --grpc-port <n>   OTLP/gRPC port (0 = any free port)           default ${DEFAULT_PORTS.grpc}   env OTELKIT_COLLECTOR_GRPC_PORT
  --http-port <n>   OTLP/HTTP + Sentry envelope port             default ${DEFAULT_PORTS.http}   env OTELKIT_COLLECTOR_HTTP_PORT
  --ui-port <n>     web UI + JSON API port                       default ${DEFAULT_PORTS.ui}  env OTELKIT_COLLECTOR_UI_PORT
  --host <addr>     interface to bind                            default 127.0.0.1  env OTELKIT_COLLECTOR_HOST
  --data-dir <dir>  keep received data across restarts           default none  env OTELKIT_COLLECTOR_DATA_DIR

Options (report):
  --url <url>       a running collector's UI URL                 default http://127.0.0.1:${DEFAULT_PORTS.ui}
  --data-dir <dir>  build the report from a data directory instead
  --format <f>      markdown | json                              default markdown

  -h, --help        this text
  -v, --version     the version
`;

function fail(message: string): never {
  process.stderr.write(`otelkit-collector: ${message}\n`);
  process.exit(2);
}

function portFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) fail(`--${name} ${JSON.stringify(value)} is not a port (an integer 0..65535)`);
  return Number(value);
}

async function report(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { url: { type: 'string' }, 'data-dir': { type: 'string' }, format: { type: 'string' } },
    strict: true,
  });
  const format = values.format ?? 'markdown';
  if (format !== 'markdown' && format !== 'json') fail(`--format ${JSON.stringify(format)}: use markdown or json`);
  if (values['data-dir'] && values.url) fail('give either --url or --data-dir, not both');
  if (values['data-dir']) {
    const data = await loadDataDir(values['data-dir']);
    process.stdout.write(format === 'json' ? `${JSON.stringify(data.report(), null, 2)}\n` : data.reportMarkdown());
    return;
  }
  const base = values.url ?? `http://127.0.0.1:${process.env.OTELKIT_COLLECTOR_UI_PORT || DEFAULT_PORTS.ui}`;
  let url: URL;
  try {
    url = new URL(`/api/report?format=${format}`, base);
  } catch {
    fail(`--url ${JSON.stringify(base)} is not a URL`);
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    fail(`cannot reach a collector at ${base}: ${(error as Error).message} (is it running? or use --data-dir)`);
  }
  const text = await response.text();
  if (!response.ok) fail(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  process.stdout.write(format === 'json' ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text);
}

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'grpc-port': { type: 'string' },
      'http-port': { type: 'string' },
      'ui-port': { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  });
  // This process is the collector's own: tune its GC for ingest (see process-gc.ts).
  tuneCollectorProcessGc();
  const collector = await startCollector({
    grpcPort: portFlag('grpc-port', values['grpc-port']),
    httpPort: portFlag('http-port', values['http-port']),
    uiPort: portFlag('ui-port', values['ui-port']),
    host: values.host,
    dataDir: values['data-dir'],
  });
  process.stdout.write(
    [
      'otelkit collector listening',
      `  OTLP/gRPC      ${collector.otlpGrpcUrl}`,
      `  OTLP/HTTP      ${collector.otlpHttpUrl}/v1/{traces,metrics,logs}`,
      `  Sentry DSN     ${collector.sentryDsn}`,
      `  UI + JSON API  ${collector.uiUrl}`,
      `  data dir       ${values['data-dir'] ?? process.env.OTELKIT_COLLECTOR_DATA_DIR ?? '(none: memory only)'}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`otelkit collector: ${signal}, stopping\n`);
    collector.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(HELP);
    return;
  }
  if (argv.includes('-v') || argv.includes('--version')) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  if (argv[0] === 'report') return report(argv.slice(1));
  if (argv[0] === 'start') return start(argv.slice(1));
  return start(argv);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) fail(error.message);
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') fail(`${e.message} — another process uses that port; pick another with the flags`);
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    fail(`${e.message}\n\n${HELP}`);
  }
  fail(e?.message ?? String(error));
});
