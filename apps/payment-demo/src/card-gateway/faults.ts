import { ConfigError } from '@otelkit/core';
import { z } from 'zod';

/** The card gateway's behaviour, switchable at run time (`PUT /control/faults`) and at start (`GATEWAY_*`). */
export interface GatewayFaults {
  /** Median latency of a normal answer (log-normal distribution). */
  latencyMedianMs: number;
  /** Share of requests answered 500 after the latency. */
  errorRate: number;
  /** Share of requests that hang for `timeoutMs` before answering (longer than any client waits). */
  timeoutRate: number;
  timeoutMs: number;
  /** Share of requests delayed by `latencySpikeMs` on top. */
  latencySpikeRate: number;
  latencySpikeMs: number;
  /** Full outage: every charge answered 503 at once. */
  outage: boolean;
  /** The next this many charges fail with 500 (counts down; deterministic, for tests). */
  failNext: number;
  /** Share of charges declined for insufficient funds (402), on top of the test card that always is. */
  declineRate: number;
}

/** The default: a healthy processor with a few declines. */
export const DEFAULT_FAULTS: GatewayFaults = {
  latencyMedianMs: 40,
  errorRate: 0,
  timeoutRate: 0,
  timeoutMs: 5000,
  latencySpikeRate: 0,
  latencySpikeMs: 1500,
  outage: false,
  failNext: 0,
  declineRate: 0.05,
};

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(120_000);

/** Validates a partial fault update (the control endpoint's body). */
export const faultsPatchSchema = z
  .object({
    latencyMedianMs: ms,
    errorRate: rate,
    timeoutRate: rate,
    timeoutMs: ms,
    latencySpikeRate: rate,
    latencySpikeMs: ms,
    outage: z.boolean(),
    failNext: z.number().int().min(0).max(1_000_000),
    declineRate: rate,
  })
  .partial()
  .strict();

const ENV_NAMES: Record<keyof GatewayFaults, string> = {
  latencyMedianMs: 'GATEWAY_LATENCY_MEDIAN_MS',
  errorRate: 'GATEWAY_ERROR_RATE',
  timeoutRate: 'GATEWAY_TIMEOUT_RATE',
  timeoutMs: 'GATEWAY_TIMEOUT_MS',
  latencySpikeRate: 'GATEWAY_LATENCY_SPIKE_RATE',
  latencySpikeMs: 'GATEWAY_LATENCY_SPIKE_MS',
  outage: 'GATEWAY_OUTAGE',
  failNext: 'GATEWAY_FAIL_NEXT',
  declineRate: 'GATEWAY_DECLINE_RATE',
};

/** Reads the start-up faults from `GATEWAY_*` variables; a bad value is one ConfigError naming each variable. */
export function faultsFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayFaults {
  const faults: GatewayFaults = { ...DEFAULT_FAULTS };
  const problems: { field: string; value: unknown; expected: string }[] = [];
  for (const [field, name] of Object.entries(ENV_NAMES) as [keyof GatewayFaults, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (field === 'outage') {
      if (raw === 'true' || raw === '1') faults.outage = true;
      else if (raw === 'false' || raw === '0') faults.outage = false;
      else problems.push({ field: name, value: raw, expected: 'true or false' });
      continue;
    }
    const value = Number(raw);
    const isRate = field.endsWith('Rate');
    const ok = isRate ? rate.safeParse(value).success : ms.safeParse(value).success;
    // failNext is a count, validated like a duration (a non-negative integer).
    if (!ok) {
      problems.push({
        field: name,
        value: raw,
        expected: isRate ? 'a number from 0 to 1' : 'an integer number of milliseconds from 0 to 120000',
      });
      continue;
    }
    (faults as unknown as Record<string, number>)[field] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return faults;
}
