#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from './demo/run-demo.js';
import { SCENARIOS, type ScenarioName } from './demo/scenarios.js';
import { DemoError } from './demo/service-process.js';
import { DEFAULT_STACK_PORTS, type StackPorts } from './demo/stack.js';

const HELP = `otelkit demo — a payment system instrumented with every otelkit package, under fault scenarios

Usage: pnpm demo [options]

Starts the local collector, card-gateway (Express) and payment-api (Fastify) as separate processes, drives them with
a load generator through the scenarios, prints the collector's incident report and where to look in the UI.

Options:
  --scenario <a,b>      scenarios to run, in order              default: all (about 75 s)
${SCENARIOS.map((s) => `                          ${s.name.padEnd(18)} ${s.summary}`).join('\n')}
  --duration <s>        seconds per scenario                    default: each scenario's own
  --report <file>       also write the report's JSON to <file>
  --keep                leave the stack up after the report (Ctrl-C stops it)
  --rate <n>            requests per second of normal traffic   default 12
  --database-url <url>  PostgreSQL instead of embedded PGlite   default: env DATABASE_URL, else PGlite
  --grpc-port <n>       collector OTLP/gRPC                     default ${DEFAULT_STACK_PORTS.grpc}
  --http-port <n>       collector OTLP/HTTP + Sentry envelopes  default ${DEFAULT_STACK_PORTS.http}
  --ui-port <n>         collector web UI + JSON API             default ${DEFAULT_STACK_PORTS.ui}
  --api-port <n>        payment-api                             default ${DEFAULT_STACK_PORTS.api}
  --gateway-port <n>    card-gateway                            default ${DEFAULT_STACK_PORTS.gateway}
                        (0 picks a free port)
  -h, --help            this text
`;

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\nRun with --help for the options.\n`);
  process.exit(2);
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) fail(`--${flag} ${JSON.stringify(value)}: expected ${min}..${max}`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    // `pnpm demo -- --keep` hands the `--` through; it separates nothing here.
    const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
    ({ values } = parseArgs({
      args,
      options: {
        scenario: { type: 'string' },
        duration: { type: 'string' },
        report: { type: 'string' },
        keep: { type: 'boolean' },
        rate: { type: 'string' },
        'database-url': { type: 'string' },
        'grpc-port': { type: 'string' },
        'http-port': { type: 'string' },
        'ui-port': { type: 'string' },
        'api-port': { type: 'string' },
        'gateway-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const known = SCENARIOS.map((s) => s.name as string);
  let scenarios: ScenarioName[] | undefined;
  if (typeof values.scenario === 'string') {
    const list = values.scenario
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = list.filter((s) => !known.includes(s));
    if (list.length === 0 || unknown.length > 0) {
      fail(
        `--scenario: unknown ${unknown.map((s) => JSON.stringify(s)).join(', ') || '(empty)'}; choose from ${known.join(', ')}`,
      );
    }
    scenarios = list as ScenarioName[];
  }
  const ports: Partial<StackPorts> = {};
  for (const [flag, key] of [
    ['grpc-port', 'grpc'],
    ['http-port', 'http'],
    ['ui-port', 'ui'],
    ['api-port', 'api'],
    ['gateway-port', 'gateway'],
  ] as const) {
    const port = integer(flag, values[flag] as string | undefined, 0, 65535);
    if (port !== undefined) ports[key] = port;
  }
  const fixed = Object.values({ ...DEFAULT_STACK_PORTS, ...ports }).filter((p) => p !== 0);
  if (new Set(fixed).size !== fixed.length) fail('two of the ports are the same');
  const duration = integer('duration', values.duration as string | undefined, 1, 3600);
  const rate = integer('rate', values.rate as string | undefined, 1, 1000);
  const databaseUrl = (values['database-url'] as string | undefined) ?? (process.env.DATABASE_URL || undefined);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) fail('--database-url: expected postgres://…');

  const controller = new AbortController();
  let release: () => void = () => {};
  const keepUntil = new Promise<void>((r) => {
    release = r;
  });
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write('\ndemo: stopping now, without waiting.\n');
      process.exit(130);
    }
    controller.abort();
    release();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  await runDemo({
    ...(scenarios ? { scenarios } : {}),
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
    ...(rate !== undefined ? { rate } : {}),
    ...(typeof values.report === 'string'
      ? { reportPath: resolve(process.env.INIT_CWD ?? process.cwd(), values.report) }
      : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    ports,
    keep: values.keep === true,
    signal: controller.signal,
    keepUntil,
  });
  if (controller.signal.aborted && values.keep !== true) process.exitCode = 130;
}

main().catch((error: unknown) => {
  if (error instanceof DemoError) process.stderr.write(`demo: ${error.message}\n`);
  else process.stderr.write(`demo: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
