import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import {
  GatewayCircuitOpenError,
  GatewayHttpError,
  GatewayNetworkError,
  GatewayTimeoutError,
  isRetryableGatewayError,
} from './gateway-errors.js';

/** A charge as the gateway takes it. */
export interface GatewayChargeInput {
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  customerId: string;
  paymentMethodId: string;
  cardNumber?: string;
}

/** A charge's business outcome; failures are thrown. */
export type GatewayChargeResult =
  | { kind: 'charged'; chargeId: string; attempts: number }
  | { kind: 'declined'; declineCode: string; message: string; attempts: number };

/** Circuit breaker state as readiness and metrics show it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

/** Policy events, each raised in the async context of the call it concerns (so the active span is the caller's). */
export interface GatewayPolicyObserver {
  /** Before each attempt (1-based). */
  onAttempt?(attempt: number): void;
  /** A retryable failure; the next attempt follows after `delayMs`. */
  onRetry?(event: { attempt: number; delayMs: number; error: unknown }): void;
  /** An attempt hit the per-attempt timeout. */
  onTimeout?(event: { timeoutMs: number }): void;
  /** No attempts left, or the failure is not retryable. */
  onGiveUp?(event: { error: unknown }): void;
  /** The breaker changed state; `reason` is the failure that opened it. */
  onBreakerStateChange?(event: { state: CircuitStateName; reason?: unknown }): void;
  /** A call refused because the breaker is open. */
  onRejected?(event: { retryAfterSeconds: number }): void;
}

/** Options of {@link createGatewayClient}. */
export interface GatewayClientOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; never logged. */
  apiKey: string;
  /** Per attempt. @defaultValue 800 */
  attemptTimeoutMs?: number;
  /** Retries after the first attempt (retryable failures only). @defaultValue 2 */
  maxRetries?: number;
  /** First backoff delay; exponential with decorrelated jitter. @defaultValue 100 */
  initialBackoffMs?: number;
  /** @defaultValue 1000 */
  maxBackoffMs?: number;
  /** Consecutive failed attempts that open the breaker. @defaultValue 5 */
  breakerThreshold?: number;
  /** How long the breaker stays open before a trial call. @defaultValue 5000 */
  halfOpenAfterMs?: number;
  observer?: GatewayPolicyObserver;
}

/** payment-api's view of the card gateway. */
export interface GatewayClient {
  /**
   * Charges through timeout → circuit breaker → retry. Throws the gateway errors of `gateway-errors.ts`. `observer`
   * sees this call's policy events (on top of the client's own observer): the place to put them on the call's span.
   */
  charge(input: GatewayChargeInput, observer?: GatewayPolicyObserver): Promise<GatewayChargeResult>;
  /** The breaker's state and, when open, the seconds until a trial call is allowed. */
  circuit(): { state: CircuitStateName; retryAfterSeconds: number };
}

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

function safely(fn: (() => void) | undefined): void {
  try {
    fn?.();
  } catch {
    // Observers report; they never change the outcome of a charge.
  }
}

type EventName = keyof GatewayPolicyObserver;

/** Raises one event on the client's observer and on the observer of the call in whose async context it happened. */
function dispatcher(global: GatewayPolicyObserver, perCall: AsyncLocalStorage<GatewayPolicyObserver>) {
  return <K extends EventName>(name: K, event: Parameters<NonNullable<GatewayPolicyObserver[K]>>[0]) => {
    for (const observer of [global, perCall.getStore()]) {
      const handler = observer?.[name] as ((e: typeof event) => void) | undefined;
      if (handler) safely(() => handler.call(observer, event));
    }
  };
}

/** Creates the gateway client: fetch wrapped in cockatiel's timeout, circuit breaker and retry policies. */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 800;
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 5000;
  const perCall = new AsyncLocalStorage<GatewayPolicyObserver>();
  const emit = dispatcher(options.observer ?? {}, perCall);
  const url = new URL('/v1/charges', options.baseUrl).toString();

  // The timeout policy throws its own TaskCancelledError; it counts as a retryable failure like ours.
  const retryable = (error: Error) => error instanceof TaskCancelledError || isRetryableGatewayError(error);
  const timeoutPolicy = timeout(attemptTimeoutMs, TimeoutStrategy.Aggressive);
  const breaker = circuitBreaker(handleWhen(retryable), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
  });
  const retryPolicy = retry(handleWhen(retryable), {
    maxAttempts: options.maxRetries ?? 2,
    backoff: new ExponentialBackoff({
      initialDelay: options.initialBackoffMs ?? 100,
      maxDelay: options.maxBackoffMs ?? 1000,
    }),
  });
  const policy = wrap(retryPolicy, breaker, timeoutPolicy);

  // Observers see our error types, not cockatiel's: its timeout arrives as a TaskCancelledError.
  const normalize = (error: unknown): unknown =>
    error instanceof TaskCancelledError ? new GatewayTimeoutError(attemptTimeoutMs, { cause: error }) : error;

  let openedAt = 0;
  breaker.onStateChange((state) => {
    if (state === CircuitState.Open) openedAt = Date.now();
    const reason = state === CircuitState.Open ? breaker.lastFailure : undefined;
    emit('onBreakerStateChange', {
      state: STATE_NAMES[state],
      reason: reason && 'error' in reason ? normalize(reason.error) : undefined,
    });
  });
  retryPolicy.onRetry((event) => {
    const error = 'error' in event ? normalize(event.error) : undefined;
    emit('onRetry', { attempt: event.attempt, delayMs: event.delay, error });
  });
  retryPolicy.onGiveUp((event) => {
    if ('error' in event) emit('onGiveUp', { error: normalize(event.error) });
  });
  timeoutPolicy.onTimeout(() => emit('onTimeout', { timeoutMs: attemptTimeoutMs }));

  const retryAfterSeconds = () => Math.max(1, Math.ceil((openedAt + halfOpenAfterMs - Date.now()) / 1000));

  const attempt = async (input: GatewayChargeInput, signal: AbortSignal, n: number) => {
    emit('onAttempt', n);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: `Bearer ${options.apiKey}`,
      'idempotency-key': input.idempotencyKey,
    };
    // x-correlation-id and traceparent are added by the tracing propagators (a second copy would be joined into an
    // invalid "a, a" value on the other side).
    const body: Record<string, unknown> = {
      amountMinor: input.amountMinor,
      currency: input.currency,
      customerId: input.customerId,
      paymentMethodId: input.paymentMethodId,
    };
    if (input.cardNumber) body.card = { number: input.cardNumber };
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    } catch (error) {
      if (signal.aborted) throw new GatewayTimeoutError(attemptTimeoutMs, { cause: error });
      throw new GatewayNetworkError({ cause: error });
    }
    const text = await response.text().catch(() => '');
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    if (response.status === 201 || response.status === 200) {
      return { kind: 'charged' as const, chargeId: String(json.id ?? ''), attempts: n };
    }
    const error = (json.error ?? {}) as Record<string, unknown>;
    if (response.status === 402) {
      return {
        kind: 'declined' as const,
        declineCode: String(error.declineCode ?? 'card_declined'),
        message: String(error.message ?? 'The card was declined'),
        attempts: n,
      };
    }
    throw new GatewayHttpError(response.status, typeof error.code === 'string' ? error.code : undefined);
  };

  const chargeOnce = async (input: GatewayChargeInput): Promise<GatewayChargeResult> => {
    let n = 0;
    try {
      return await policy.execute(({ signal }) => attempt(input, signal, ++n));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        const seconds = retryAfterSeconds();
        emit('onRejected', { retryAfterSeconds: seconds });
        throw new GatewayCircuitOpenError(seconds, { cause: error });
      }
      if (error instanceof TaskCancelledError) throw new GatewayTimeoutError(attemptTimeoutMs, { cause: error });
      throw error;
    }
  };

  return {
    charge(input, observer) {
      return perCall.run(observer ?? {}, () => chargeOnce(input));
    },
    circuit() {
      const state = STATE_NAMES[breaker.state];
      return { state, retryAfterSeconds: state === 'open' ? retryAfterSeconds() : 0 };
    },
  };
}
