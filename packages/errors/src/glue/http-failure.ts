import { STATUS_CODES } from 'node:http';
import { CORRELATION_ID_HEADER, correlationIdFrom, getContext, type HeadersLike } from '@otelkit/core';

/** Options every framework glue shares. */
export interface HttpErrorOptions {
  /**
   * Decides which failures are captured, from the response status and the error.
   * @defaultValue `status >= 500`: server faults, not client mistakes
   */
  capture?: (status: number, error: unknown) => boolean;
}

/** The default capture rule: 5xx yes, 4xx no. */
export const captureServerErrors = (status: number): boolean => status >= 500;

/** The HTTP status an error asks for (`status`, `statusCode`, `status_code` in 400–599), else 500. */
export function statusOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 500;
  for (const key of ['status', 'statusCode'] as const) {
    let value: unknown;
    try {
      value = (error as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599) return value;
  }
  return 500;
}

/**
 * What the client sees of a failure: the status text, for 4xx the error's own message when it is meant to be shown
 * (`expose !== false`), and the correlation id. Never a stack trace, never a 5xx message.
 */
export function clientBody(
  status: number,
  error: unknown,
  correlationId: string,
): { statusCode: number; error: string; message: string; correlation_id: string } {
  const text = STATUS_CODES[status] ?? 'Error';
  let message = text;
  if (status < 500 && typeof error === 'object' && error !== null) {
    try {
      const e = error as { message?: unknown; expose?: unknown };
      if (e.expose !== false && typeof e.message === 'string' && e.message !== '') message = e.message.slice(0, 500);
    } catch {
      /* keep the status text */
    }
  }
  return { statusCode: status, error: text, message, correlation_id: correlationId };
}

/** The correlation id of the request: core's context first (set by the logging glue), then the inbound header. */
export function correlationIdOf(headers: HeadersLike | undefined): string {
  return getContext()?.correlationId ?? correlationIdFrom(headers);
}

export { CORRELATION_ID_HEADER };

/** The path and query string of a request URL, without parsing more than needed. */
export function splitUrl(url: string | undefined): { path: string; query?: string } {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  if (q === -1) return { path: raw };
  const query = raw.slice(q + 1);
  return query === '' ? { path: raw.slice(0, q) } : { path: raw.slice(0, q), query };
}
