import { customerIds, invalidCharge, type PlannedRequest, type Random, validCharge } from './traffic.js';

/** The shape of the traffic. */
export interface TrafficMix {
  /** Share of requests that are invalid (bad-input). @defaultValue 0 */
  invalidShare: number;
  /** Share of valid requests sent three times at once with the same Idempotency-Key. @defaultValue 0.05 */
  duplicateShare: number;
  /** Retry 503/504 answers once with the same key after their Retry-After (capped at 2 s). @defaultValue true */
  clientRetries: boolean;
}

/** What one request came to. */
export interface RequestResult {
  scenario: string;
  kind: 'valid' | 'invalid' | 'duplicate' | 'retry';
  /** HTTP status, or 0 when the request failed without an answer. */
  status: number;
  durationMs: number;
  correlationId: string;
  idempotencyKey?: string;
  defect?: string;
}

/** Counters since the last `resetWindow`, and in total. */
export interface LoadStats {
  sent: number;
  inFlight: number;
  byStatus: Record<string, number>;
  /** p95 latency of the current window, in ms. */
  p95Ms: number;
}

/** Options of {@link createLoadGenerator}. */
export interface LoadGeneratorOptions {
  apiUrl: string;
  /** Sent as `Authorization: Bearer …` (a secret the services must not record). */
  apiKey?: string;
  /** Requests per second. @defaultValue 12 */
  ratePerSecond?: number;
  /** Requests in flight at most; beyond that, ticks are skipped. @defaultValue 64 */
  maxInFlight?: number;
  /** Per-request deadline. @defaultValue 15000 */
  requestTimeoutMs?: number;
  random?: Random;
  onResult?: (result: RequestResult) => void;
}

/** Drives payment-api at a steady rate with a configurable mix; scenarios change the mix and the rate. */
export interface LoadGenerator {
  start(scenario: string): void;
  setScenario(scenario: string): void;
  setRate(ratePerSecond: number): void;
  setMix(mix: Partial<TrafficMix>): void;
  stats(): LoadStats;
  resetWindow(): void;
  /** Stops sending and waits for the requests in flight (each bounded by its deadline). */
  stop(): Promise<void>;
}

const DEFAULT_MIX: TrafficMix = { invalidShare: 0, duplicateShare: 0.05, clientRetries: true };

/** Creates a load generator (it sends nothing until `start`). */
export function createLoadGenerator(options: LoadGeneratorOptions): LoadGenerator {
  const random = options.random ?? Math.random;
  const customers = customerIds(40, random);
  const maxInFlight = options.maxInFlight ?? 64;
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  let rate = options.ratePerSecond ?? 12;
  let mix: TrafficMix = { ...DEFAULT_MIX };
  let scenario = 'normal';
  let timer: NodeJS.Timeout | undefined;
  let tokens = 0;
  let last = 0;
  let seq = 0;
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  const byStatus: Record<string, number> = {};
  let latencies: number[] = [];

  const record = (result: RequestResult) => {
    const key = result.status === 0 ? 'network error' : String(result.status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    latencies.push(result.durationMs);
    if (latencies.length > 5000) latencies = latencies.slice(-2500);
    try {
      options.onResult?.(result);
    } catch {
      // A display callback never stops the load.
    }
  };

  const send = async (plan: PlannedRequest, kind: RequestResult['kind'], correlationId: string): Promise<number> => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-correlation-id': correlationId,
    };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    if (plan.idempotencyKey !== undefined) headers['idempotency-key'] = plan.idempotencyKey;
    const started = performance.now();
    let status = 0;
    let retryAfter: number | undefined;
    sent++;
    try {
      const response = await fetch(`${options.apiUrl}/api/v1/payments/charge`, {
        method: 'POST',
        headers,
        body: typeof plan.body === 'string' ? plan.body : JSON.stringify(plan.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      status = response.status;
      const header = response.headers.get('retry-after');
      if (header) retryAfter = Number(header);
    } catch {
      status = 0;
    }
    record({
      scenario,
      kind,
      status,
      durationMs: performance.now() - started,
      correlationId,
      ...(plan.idempotencyKey !== undefined ? { idempotencyKey: plan.idempotencyKey } : {}),
      ...(plan.defect !== undefined ? { defect: plan.defect } : {}),
    });
    if (kind !== 'retry' && mix.clientRetries && (status === 503 || status === 504) && plan.idempotencyKey) {
      const wait = Math.min(2000, Math.max(200, (retryAfter ?? 1) * 1000));
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (timer) await send(plan, 'retry', `${correlationId}.r`);
    }
    return status;
  };

  const launch = () => {
    seq++;
    const base = `load-${scenario}-${seq}`;
    const invalid = random() < mix.invalidShare;
    const plan = invalid ? invalidCharge(customers, random) : validCharge(customers, random);
    const work: Promise<unknown>[] = [send(plan, plan.kind, base)];
    if (!invalid && random() < mix.duplicateShare) {
      work.push(send(plan, 'duplicate', `${base}.d1`), send(plan, 'duplicate', `${base}.d2`));
    }
    const p = Promise.all(work).then(() => {
      inFlight.delete(p);
    });
    inFlight.add(p);
  };

  const tick = () => {
    const now = performance.now();
    tokens = Math.min(tokens + ((now - last) / 1000) * rate, Math.max(1, rate));
    last = now;
    while (tokens >= 1 && inFlight.size < maxInFlight) {
      tokens -= 1;
      launch();
    }
  };

  return {
    start(name) {
      scenario = name;
      if (timer) return;
      last = performance.now();
      timer = setInterval(tick, 50);
    },
    setScenario(name) {
      scenario = name;
    },
    setRate(value) {
      rate = Math.max(0, value);
    },
    setMix(patch) {
      mix = { ...mix, ...patch };
    },
    stats() {
      const sorted = [...latencies].sort((a, b) => a - b);
      const p95 = sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0) : 0;
      return { sent, inFlight: inFlight.size, byStatus: { ...byStatus }, p95Ms: Math.round(p95) };
    },
    resetWindow() {
      latencies = [];
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await Promise.allSettled([...inFlight]);
    },
  };
}
