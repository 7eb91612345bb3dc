import { defineMetrics } from '@otelkit/metrics';
import { withSpan } from '@otelkit/tracing';
import type { CircuitStateName, GatewayPolicyObserver } from '../gateway-client/gateway-client.js';
import { GatewayCircuitOpenError } from '../gateway-client/gateway-errors.js';
import type { GatewayCallWrapper } from '../payments/charge-service.js';
import type { ServiceTelemetry } from './service-telemetry.js';

const STATE_VALUE: Record<CircuitStateName, number> = { closed: 0, open: 1, 'half-open': 2, isolated: 3 };

function reasonOf(error: unknown): string {
  if (error === undefined) return 'unknown';
  const e = error as { name?: unknown; status?: unknown; code?: unknown };
  if (e.name === 'TaskCancelledError' || e.name === 'GatewayTimeoutError') return 'timeout';
  if (typeof e.status === 'number') return `http_${e.status}`;
  if (e.name === 'GatewayNetworkError') return 'network';
  return typeof e.name === 'string' ? e.name : 'unknown';
}

/** The card-gateway client's telemetry: policy events as logs and metrics, and each call as a span with events. */
export interface GatewayTelemetry {
  /** The client-wide observer: logs and metrics for retries, timeouts and breaker transitions. */
  observer: GatewayPolicyObserver;
  /** Wraps one charge in a CLIENT-side span `card-gateway charge`; its policy events become span events. */
  wrapCall: GatewayCallWrapper;
}

/**
 * Metrics: `card_gateway.circuit_breaker.state` (gauge: 0 closed, 1 open, 2 half-open), `card_gateway.retries`
 * (counter, by reason), `card_gateway.circuit_breaker.rejections` (calls refused while open).
 */
export function createGatewayTelemetry(telemetry: ServiceTelemetry): GatewayTelemetry {
  const log = telemetry.logger;
  const metrics = defineMetrics({
    breakerState: {
      kind: 'gauge',
      name: 'card_gateway.circuit_breaker.state',
      unit: '1',
      description: 'Circuit breaker in front of the card gateway: 0 closed, 1 open, 2 half-open, 3 isolated.',
    },
    retries: {
      kind: 'counter',
      name: 'card_gateway.retries',
      unit: '{retry}',
      description: 'Retried card-gateway calls, by the failure that caused the retry.',
      attributes: ['reason'],
    },
    rejections: {
      kind: 'counter',
      name: 'card_gateway.circuit_breaker.rejections',
      unit: '{call}',
      description: 'Card-gateway calls refused because the circuit breaker was open.',
    },
  });
  metrics.breakerState.record(0);

  const observer: GatewayPolicyObserver = {
    onRetry(event) {
      const reason = reasonOf(event.error);
      metrics.retries.add(1, { reason });
      log.warn(
        { context: { attempt: event.attempt, delay_ms: Math.round(event.delayMs), reason } },
        'Retrying card-gateway call',
      );
    },
    onTimeout(event) {
      log.warn({ context: { timeout_ms: event.timeoutMs } }, 'Card-gateway call timed out');
    },
    onBreakerStateChange(event) {
      metrics.breakerState.record(STATE_VALUE[event.state]);
      const context = { circuit_state: event.state, reason: reasonOf(event.reason) };
      if (event.state === 'open') log.error({ context }, 'Card-gateway circuit breaker opened');
      else log.warn({ context }, `Card-gateway circuit breaker ${event.state}`);
    },
    onRejected(event) {
      metrics.rejections.add(1);
      log.debug({ context: { retry_after_s: event.retryAfterSeconds } }, 'Card-gateway call refused: breaker open');
    },
  };

  const wrapCall: GatewayCallWrapper = async (input, call) => {
    // A refusal by the open breaker is the designed degradation (503 + Retry-After), not a new failure: it is not
    // recorded as an exception, so the incident's error groups stay those of the real cause at the gateway.
    const outcome = await withSpan(
      'card-gateway charge',
      { attributes: { 'payment.currency': input.currency, 'payment.amount_minor': input.amountMinor } },
      async (span) => {
        const spanObserver: GatewayPolicyObserver = {
          onAttempt: (attempt) => {
            if (attempt > 1) span.addEvent('retry.attempt', { attempt });
          },
          onRetry: (e) =>
            span.addEvent('retry', {
              'retry.attempt': e.attempt,
              'retry.delay_ms': Math.round(e.delayMs),
              'retry.reason': reasonOf(e.error),
            }),
          onTimeout: (e) => span.addEvent('timeout', { 'timeout.ms': e.timeoutMs }),
          onGiveUp: (e) => span.addEvent('retry.give_up', { 'retry.reason': reasonOf(e.error) }),
          onBreakerStateChange: (e) =>
            span.addEvent('circuit_breaker.state_change', { 'circuit_breaker.state': e.state }),
          onRejected: (e) =>
            span.addEvent('circuit_breaker.rejected', { 'circuit_breaker.retry_after_s': e.retryAfterSeconds }),
        };
        try {
          return { ok: true as const, result: await call(spanObserver) };
        } catch (error) {
          if (error instanceof GatewayCircuitOpenError) return { ok: false as const, error };
          throw error;
        }
      },
    );
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  };

  return { observer, wrapCall };
}
