/**
 * `@otelkit/errors/http`: error capture for a plain `node:http` request listener.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpErrorOptions } from './glue/http-failure.js';
import { handleNodeFailure } from './glue/node-response.js';

export type { HttpErrorOptions } from './glue/http-failure.js';

/**
 * Wraps a `node:http` request listener: an error it throws or a promise it rejects is captured when the status it asks
 * for is 5xx (configurable), and answered with `{ statusCode, error, message, correlation_id }` and the
 * `x-correlation-id` header — never a stack trace. If the response had already started, the socket is closed.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { withErrorCapture } from '@otelkit/errors/http';
 *
 * createServer(withErrorCapture(async (req, res) => { res.end(await render(req)); })).listen(8080);
 * ```
 */
export function withErrorCapture<Req extends IncomingMessage, Res extends ServerResponse>(
  listener: (req: Req, res: Res) => unknown,
  options: HttpErrorOptions = {},
): (req: Req, res: Res) => void {
  const fail = (error: unknown, req: Req, res: Res): void => {
    try {
      if (!handleNodeFailure(error, req, res, options)) res.destroy();
    } catch {
      res.destroy();
    }
  };
  return function otelkitErrorCapture(req: Req, res: Res): void {
    let result: unknown;
    try {
      result = listener(req, res);
    } catch (error) {
      fail(error, req, res);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (error: unknown) => fail(error, req, res));
    }
  };
}
