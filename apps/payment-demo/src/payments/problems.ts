import { PoolTimeoutError } from '../db/pool-stats.js';
import {
  GatewayCircuitOpenError,
  GatewayHttpError,
  GatewayNetworkError,
  GatewayTimeoutError,
} from '../gateway-client/gateway-errors.js';
import type { FieldError } from './charge-request.js';

/** An HTTP reply for a failure: status, JSON body and extra headers (`Retry-After`). */
export interface Problem {
  status: number;
  body: { error: { code: string; message: string; fields?: FieldError[] } };
  headers: Record<string, string>;
}

/** A failure the API answers with a 4xx: carries its reply. */
export class ClientProblemError extends Error {
  override readonly name = 'ClientProblemError';
  readonly statusCode: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.body.error.message);
    this.statusCode = problem.status;
    this.problem = problem;
  }
}

/** The reply for invalid input: 400 naming every invalid field. */
export function validationProblem(errors: FieldError[]): Problem {
  return {
    status: 400,
    body: { error: { code: 'invalid_request', message: 'The request is invalid', fields: errors } },
    headers: {},
  };
}

/** Maps any failure to the reply the client gets. Never includes the error's own message for unknown errors. */
export function problemFor(error: unknown): Problem {
  if (error instanceof ClientProblemError) return error.problem;
  if (error instanceof GatewayCircuitOpenError) {
    return {
      status: 503,
      body: {
        error: {
          code: 'gateway_unavailable',
          message: 'The card gateway is unavailable; the payment was not attempted. Retry later.',
        },
      },
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof GatewayTimeoutError) {
    return {
      status: 504,
      body: { error: { code: 'gateway_timeout', message: 'The card gateway did not answer in time. Retry later.' } },
      headers: {},
    };
  }
  if (error instanceof GatewayHttpError || error instanceof GatewayNetworkError) {
    const status = error instanceof GatewayHttpError && error.status === 503 ? 503 : 502;
    return {
      status,
      body: { error: { code: 'gateway_error', message: 'The card gateway failed to process the payment.' } },
      headers: status === 503 ? { 'retry-after': '5' } : {},
    };
  }
  if (error instanceof PoolTimeoutError) {
    return {
      status: 503,
      body: { error: { code: 'database_busy', message: 'The service is overloaded. Retry later.' } },
      headers: { 'retry-after': '1' },
    };
  }
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      status,
      body: { error: { code: 'bad_request', message: 'The request could not be processed' } },
      headers: {},
    };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Internal server error' } }, headers: {} };
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as { statusCode?: unknown }).statusCode;
  return typeof value === 'number' ? value : undefined;
}
