/** The card gateway answered with a failure status (5xx, 429, or a 4xx other than a decline). */
export class GatewayHttpError extends Error {
  override readonly name = 'GatewayHttpError';
  readonly code = 'CARD_GATEWAY_HTTP_ERROR';
  /** The gateway's status; the core classifier reads it. */
  readonly status: number;
  readonly retryable: boolean;
  readonly gatewayCode: string | undefined;

  constructor(status: number, gatewayCode: string | undefined) {
    super(`Card gateway answered ${status}${gatewayCode ? ` (${gatewayCode})` : ''}`);
    this.status = status;
    this.gatewayCode = gatewayCode;
    this.retryable = status === 429 || status >= 500;
  }
}

/** One attempt took longer than the per-attempt timeout. */
export class GatewayTimeoutError extends Error {
  override readonly name = 'GatewayTimeoutError';
  readonly code = 'CARD_GATEWAY_TIMEOUT';
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(`Card gateway did not answer within ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The gateway could not be reached at all (connection refused, reset, DNS). */
export class GatewayNetworkError extends Error {
  override readonly name = 'GatewayNetworkError';
  readonly code = 'CARD_GATEWAY_UNREACHABLE';

  constructor(options?: ErrorOptions) {
    super('Card gateway unreachable', options);
  }
}

/** The circuit breaker is open: the call was not attempted. */
export class GatewayCircuitOpenError extends Error {
  override readonly name = 'GatewayCircuitOpenError';
  readonly code = 'CARD_GATEWAY_CIRCUIT_OPEN';
  /** When a request may be worth trying again. */
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super('Card gateway circuit breaker is open; not calling the gateway', options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Whether another attempt may succeed: network failures, timeouts, 5xx and 429 (charges carry an idempotency key,
 * so a retried charge is never a second charge). */
export function isRetryableGatewayError(error: unknown): boolean {
  if (error instanceof GatewayHttpError) return error.retryable;
  return error instanceof GatewayTimeoutError || error instanceof GatewayNetworkError;
}
