import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLoadGenerator, type LoadGenerator, type RequestResult } from '../load/load-generator.js';
import { type Output, ProgressDisplay } from './progress.js';
import { SCENARIOS, type Scenario, type ScenarioName, scenarioByName } from './scenarios.js';
import { DemoError } from './service-process.js';
import { type Stack, type StackPorts, startStack } from './stack.js';

/** Options of {@link startDemo} and {@link runDemo}. */
export interface DemoOptions {
  /** Ports; 0 picks a free one. @defaultValue collector 4317/4318/18888, payment-api 3100, card-gateway 3101 */
  ports?: Partial<StackPorts>;
  /** Logs, PGlite files and the collector's data. @defaultValue a fresh directory under the OS temp dir */
  workDir?: string;
  /** Use PostgreSQL instead of embedded PGlite. */
  databaseUrl?: string;
  /** Requests per second of normal traffic. @defaultValue 12 */
  rate?: number;
  /** Extra environment for both services. */
  env?: NodeJS.ProcessEnv;
  /** Where progress goes. @defaultValue process.stdout */
  out?: Output;
  /** Node flags for both services (profiling). */
  execArgv?: string[];
  /** Sees every request the load generator sent (tests). */
  onResult?: (result: RequestResult) => void;
}

/** A running demo: the stack and its load, ready to run scenarios. */
export interface Demo {
  readonly stack: Stack;
  readonly load: LoadGenerator;
  readonly workDir: string;
  readonly progress: ProgressDisplay;
  /** Runs one scenario for `durationMs` (its default when omitted); resolves early when `signal` aborts. */
  runScenario(name: ScenarioName, durationMs?: number, signal?: AbortSignal): Promise<void>;
  /** Stops the load and waits for the requests in flight. */
  stopLoad(): Promise<void>;
  /** Fetches the collector's report (`/api/report`). */
  report(format: 'markdown'): Promise<string>;
  report(format: 'json'): Promise<unknown>;
  /** Stops everything (services flush their telemetry on the way out). */
  stop(): Promise<void>;
}

function defaultWorkDir(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(tmpdir(), 'otelkit-demo', stamp);
}

/** Starts the collector, both services and the (idle) load generator. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const out = options.out ?? process.stdout;
  const workDir = resolve(options.workDir ?? defaultWorkDir());
  mkdirSync(workDir, { recursive: true });
  const baseRate = options.rate ?? 12;
  let crashed: string | undefined;
  const stack = await startStack({
    workDir,
    collectorDataDir: join(workDir, 'collector'),
    ...(options.ports ? { ports: options.ports } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.execArgv ? { execArgv: options.execArgv } : {}),
    onServiceCrash: (service, detail) => {
      crashed = `${service} stopped unexpectedly (${detail}); see ${join(workDir, 'logs', `${service}.log`)}`;
      progress.line(`✖ ${crashed}`);
    },
  });
  const load = createLoadGenerator({
    apiUrl: stack.apiUrl,
    apiKey: stack.apiKey,
    ratePerSecond: baseRate,
    ...(options.onResult ? { onResult: options.onResult } : {}),
  });

  let readiness = 'ready: ?';
  const poll = setInterval(() => {
    fetch(`${stack.apiUrl}/ready`, { signal: AbortSignal.timeout(900) })
      .then((r) => r.json() as Promise<{ status: string; checks: Record<string, { status: string; detail?: string }> }>)
      .then((body) => {
        const impaired = Object.entries(body.checks)
          .filter(([, c]) => c.status !== 'healthy')
          .map(([name, c]) => `${name}: ${c.detail ?? c.status}`);
        readiness = `ready: ${body.status}${impaired.length ? ` (${impaired.join('; ')})` : ''}`;
      })
      .catch(() => {
        readiness = 'ready: unreachable';
      });
  }, 1000);
  poll.unref();
  const progress = new ProgressDisplay(
    out,
    () => load.stats(),
    () => `v${stack.version()} · ${readiness}`,
  );

  const fetchReport = async (format: 'markdown' | 'json') => {
    const response = await fetch(new URL(`api/report?format=${format}`, stack.uiUrl), {
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new DemoError(`the collector's report answered ${response.status}`);
    return format === 'json' ? response.json() : response.text();
  };

  let loadStopped = false;
  return {
    stack,
    load,
    workDir,
    progress,
    async runScenario(name, durationMs, signal) {
      const scenario = scenarioByName(name) as Scenario;
      const ms = durationMs ?? scenario.defaultSeconds * 1000;
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      load.setScenario(name);
      load.setRate(baseRate);
      load.resetWindow();
      load.start(name);
      progress.beginScenario(name, scenario.summary, ms);
      try {
        await scenario.run(
          { stack, load, signal: controller.signal, note: (m) => progress.line(`  · ${m}`), baseRate },
          ms,
        );
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        progress.endScenario();
      }
      if (crashed) throw new DemoError(crashed);
    },
    async stopLoad() {
      if (loadStopped) return;
      loadStopped = true;
      await load.stop();
    },
    report: fetchReport as Demo['report'],
    async stop() {
      clearInterval(poll);
      progress.stop();
      await load.stop();
      await stack.stop();
    },
  };
}

/** Options of {@link runDemo}: what `pnpm demo` takes on its command line. */
export interface RunDemoOptions extends DemoOptions {
  /** @defaultValue every scenario, in order */
  scenarios?: ScenarioName[];
  /** Seconds per scenario. @defaultValue each scenario's own (74 s in all) */
  durationSeconds?: number;
  /** Leave the stack up after the report, until Ctrl-C. */
  keep?: boolean;
  /** Also write the report's JSON here. */
  reportPath?: string;
  /** Ctrl-C: stops the scenarios, then everything, with telemetry flushed. */
  signal?: AbortSignal;
  /** Resolves when a kept stack should stop (the CLI passes Ctrl-C). */
  keepUntil?: Promise<void>;
}

/** The whole demo: start, run the scenarios with progress, stop (flushing), print the report and where to look. */
export async function runDemo(options: RunDemoOptions = {}): Promise<{ workDir: string }> {
  const out = options.out ?? process.stdout;
  const names = options.scenarios ?? SCENARIOS.map((s) => s.name);
  const say = (text = '') => out.write(`${text}\n`);
  say('otelkit demo: starting the collector, card-gateway and payment-api …');
  const demo = await startDemo(options);
  const { stack } = demo;
  say(`  collector UI   ${stack.uiUrl}`);
  say(`  payment-api    ${stack.apiUrl}   (database: ${options.databaseUrl ? 'PostgreSQL' : 'PGlite'})`);
  say(`  card-gateway   ${stack.gatewayUrl}`);
  say(`  service logs   ${stack.logDir}`);

  let interrupted = false;
  try {
    for (const name of names) {
      if (options.signal?.aborted) break;
      await demo.runScenario(
        name,
        options.durationSeconds !== undefined ? options.durationSeconds * 1000 : undefined,
        options.signal,
      );
    }
  } catch (error) {
    await demo.stop().catch(() => {});
    throw error;
  } finally {
    interrupted = options.signal?.aborted ?? false;
    demo.progress.stop();
    await demo.stopLoad();
  }
  if (interrupted) say('\nInterrupted: stopping the services (flushing their telemetry) …');

  if (options.keep && !interrupted) {
    await stack.flush();
    await new Promise((r) => setTimeout(r, 1500));
  } else {
    // Services flush spans, logs, metrics and Sentry events on the way out.
    await stack.stopServices();
  }
  const markdown = await demo.report('markdown');
  say('\n────────────────────────── incident report ──────────────────────────\n');
  say(markdown.trimEnd());
  if (options.reportPath) {
    const json = await demo.report('json');
    writeFileSync(options.reportPath, `${JSON.stringify(json, null, 2)}\n`);
    say(`\nReport JSON written to ${resolve(options.reportPath)}`);
  }
  say('');
  if (options.keep && !interrupted) {
    say(`The stack is up. Explore: ${stack.uiUrl}`);
    say(`  curl ${stack.apiUrl}/ready`);
    say(
      `  curl -X POST ${stack.apiUrl}/api/v1/payments/charge -H 'Authorization: Bearer ${stack.apiKey}' -H 'Idempotency-Key: try-1' -H 'content-type: application/json' -d '{"amount":12.5,"currency":"EUR","customerId":"3f2b6c1e-8a4d-4e2f-9b7a-1c2d3e4f5a6b","paymentMethodId":"pm_card_visa"}'`,
    );
    say('Ctrl-C stops everything.');
    await (options.keepUntil ?? new Promise(() => {}));
    say('Stopping …');
    await demo.stop();
  } else {
    await demo.stop();
    const dataDir = join(demo.workDir, 'collector');
    say(`Collector UI: ${stack.uiUrl} — the demo has stopped; to browse what it collected, run`);
    say(`  pnpm --filter @otelkit/collector start --data-dir ${dataDir}`);
    say('or run the demo with --keep.');
  }
  rmSync(join(demo.workDir, 'pglite'), { recursive: true, force: true });
  return { workDir: demo.workDir };
}
