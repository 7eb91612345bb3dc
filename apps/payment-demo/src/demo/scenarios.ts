import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadGenerator } from '../load/load-generator.js';
import type { Stack } from './stack.js';

/** What a scenario can act on. */
export interface ScenarioContext {
  stack: Stack;
  load: LoadGenerator;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** A line for the progress display (an event in the scenario, not a status line). */
  note(message: string): void;
  /** The traffic rate of a normal minute. */
  baseRate: number;
}

/** A fault scenario the load generator drives. */
export interface Scenario {
  name: ScenarioName;
  /** One line for `--help` and the progress display. */
  summary: string;
  /** What to look at afterwards in the UI. */
  lookFor: string;
  /** The default duration in the default sequence, in seconds. */
  defaultSeconds: number;
  run(ctx: ScenarioContext, durationMs: number): Promise<void>;
}

/** The scenario names `--scenario` accepts. */
export type ScenarioName = 'normal' | 'gateway-outage' | 'pool-exhaustion' | 'bad-input' | 'deploy-regression';

const wait = (ms: number, signal: AbortSignal) => sleep(Math.max(0, ms), undefined, { signal });

/** Waits until a share of the scenario's time has passed since it began, so slow steps (a restart) eat into the
 * following phase instead of stretching the scenario. */
function phases(durationMs: number, signal: AbortSignal): (share: number) => Promise<void> {
  const start = Date.now();
  return (share) => wait(start + durationMs * share - Date.now(), signal);
}

/** Pauses the load and waits for the requests in flight (before a restart, so no request hits a closed port). */
async function drain(load: LoadGenerator, rate: number, signal: AbortSignal): Promise<() => void> {
  load.setRate(0);
  for (let i = 0; i < 100 && load.stats().inFlight > 0; i++) await wait(100, signal);
  return () => load.setRate(rate);
}

/** Every scenario, in the default order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'normal',
    summary: 'steady traffic: mostly 201, a few 402 declines (insufficient funds), some duplicate requests',
    lookFor: 'Services page: RED per route; a trace of POST /api/v1/payments/charge spanning both services',
    defaultSeconds: 10,
    async run(ctx, durationMs) {
      ctx.load.setMix({ invalidShare: 0 });
      await wait(durationMs, ctx.signal);
    },
  },
  {
    name: 'gateway-outage',
    summary: 'the card gateway goes down: retries, the circuit breaker opens (503 + Retry-After), then recovers',
    lookFor:
      'Errors: ProcessorUnavailableError first seen in card-gateway; the report names card-gateway as the origin; span events retry / circuit_breaker.*',
    defaultSeconds: 22,
    async run(ctx, durationMs) {
      const until = phases(durationMs, ctx.signal);
      ctx.load.setMix({ invalidShare: 0 });
      await until(0.25);
      await ctx.stack.setGatewayFaults({ outage: true });
      ctx.note('card-gateway: full outage (every charge answered 503)');
      try {
        await until(0.65);
      } finally {
        await ctx.stack.setGatewayFaults({ outage: false });
      }
      ctx.note('card-gateway: back up — the breaker half-opens, a trial call closes it');
      await until(1);
    },
  },
  {
    name: 'pool-exhaustion',
    summary: 'slow queries hold every database connection: acquisition timeouts, 503 database_busy',
    lookFor:
      'Metrics db.client.connection.count{state=used} at max, pending_requests and wait_time rising; PoolTimeoutError in Errors',
    defaultSeconds: 16,
    async run(ctx, durationMs) {
      const until = phases(durationMs, ctx.signal);
      ctx.load.setMix({ invalidShare: 0 });
      await until(0.15);
      await ctx.stack.setApiFaults({ slowQueryMs: 1500 });
      ctx.note('payment-api: queries now take 1.5 s each (pool of 5, 1 s acquisition timeout)');
      try {
        await until(0.75);
      } finally {
        await ctx.stack.setApiFaults({ slowQueryMs: 0 });
      }
      ctx.note('payment-api: queries fast again');
      await until(1);
    },
  },
  {
    name: 'bad-input',
    summary: 'half the requests are invalid: 400 naming each field, logged at WARN, never a server error',
    lookFor: 'Logs at WARN "Invalid charge request" with the invalid field names; no card number anywhere',
    defaultSeconds: 8,
    async run(ctx, durationMs) {
      ctx.load.setMix({ invalidShare: 0.5 });
      try {
        await wait(durationMs, ctx.signal);
      } finally {
        ctx.load.setMix({ invalidShare: 0 });
      }
    },
  },
  {
    name: 'deploy-regression',
    summary: 'both services are redeployed as 2.0.1, whose new processing-fee code fails every EUR charge',
    lookFor: 'Errors: a new TypeError fingerprint first seen in version 2.0.1; the report flags the regression',
    defaultSeconds: 18,
    async run(ctx, durationMs) {
      const until = phases(durationMs, ctx.signal);
      ctx.load.setMix({ invalidShare: 0 });
      await until(0.2);
      const resume = await drain(ctx.load, ctx.baseRate, ctx.signal);
      const from = ctx.stack.version();
      ctx.note(`deploying 2.0.1 (was ${from}): restarting card-gateway and payment-api`);
      await ctx.stack.deploy('2.0.1');
      ctx.note('running 2.0.1');
      resume();
      await until(1);
    },
  },
];

/** The scenario of a name, or undefined. */
export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
