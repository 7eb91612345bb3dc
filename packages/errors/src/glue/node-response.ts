import type { IncomingMessage, ServerResponse } from 'node:http';
import { getContext, runWithContext } from '@otelkit/core';
import type { CaptureResult } from '../capture/capture-types.js';
import { captureError } from '../index.js';
import {
  CORRELATION_ID_HEADER,
  captureServerErrors,
  clientBody,
  correlationIdOf,
  type HttpErrorOptions,
  splitUrl,
  statusOf,
} from './http-failure.js';

/**
 * The failure path shared by the node:http and Express glue: capture when the rule says so (inside a correlation
 * context, so the record carries the id the client sees), then answer with a safe JSON body and the correlation
 * header. Returns false when the response had already started and could not be answered.
 */
export function handleNodeFailure(
  error: unknown,
  req: IncomingMessage & { originalUrl?: string; route?: { path?: unknown } },
  res: ServerResponse,
  options: HttpErrorOptions,
): boolean {
  const status = statusOf(error);
  const correlationId = correlationIdOf(req.headers);
  if ((options.capture ?? captureServerErrors)(status, error)) {
    const { path, query } = splitUrl(req.originalUrl ?? req.url);
    const route = typeof req.route?.path === 'string' ? req.route.path : undefined;
    const run = (): CaptureResult =>
      captureError(error, {
        request: {
          method: req.method ?? 'GET',
          path,
          ...(route !== undefined ? { route } : {}),
          status_code: status,
          headers: req.headers,
          ...(query !== undefined ? { query } : {}),
        },
      });
    if (getContext()) run();
    else runWithContext({ correlationId }, run);
  }
  if (res.headersSent) return false;
  try {
    const body = JSON.stringify(clientBody(status, error, correlationId));
    res.statusCode = status;
    res.setHeader(CORRELATION_ID_HEADER, correlationId);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
  } catch {
    res.destroy();
  }
  return true;
}
