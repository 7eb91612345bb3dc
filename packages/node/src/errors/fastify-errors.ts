import diagnostics from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { warnOnce } from '@otelkit/core';
import type * as ErrorsFastify from '@otelkit/errors/fastify';

/** Published by Fastify 5 with every new instance, before the app registers anything on it. */
const FASTIFY_INITIALIZATION = 'fastify.initialization';

const requireHere = createRequire(import.meta.url);

interface FastifyLike {
  register(plugin: unknown, options?: unknown): unknown;
}

/**
 * Registers `@otelkit/errors/fastify` on every Fastify 5 instance the app creates, first, with `errorHandler: false`:
 * the app's (or Fastify's) own error handler still answers exactly as before, and the plugin's `onError` hook captures
 * each 5xx failure — Sentry event, exception event on the server span, ERROR record — with the route and request.
 * The instance is met through Fastify's own `diagnostics_channel`, so nothing is patched; the glue module is loaded the
 * first time an instance appears. Returns what unsubscribes (instances already set up keep the plugin).
 */
export function captureFastifyErrors(): () => void {
  let plugin: (typeof ErrorsFastify)['otelkitErrors'] | undefined;
  const onInstance = (message: unknown): void => {
    try {
      const fastify = (message as { fastify?: FastifyLike }).fastify;
      if (fastify === undefined || typeof fastify.register !== 'function') return;
      plugin ??= (requireHere('@otelkit/errors/fastify') as typeof ErrorsFastify).otelkitErrors;
      fastify.register(plugin, { errorHandler: false });
    } catch (error) {
      warnOnce('node.errors.fastify', 'could not set up error capture on a Fastify instance', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  diagnostics.subscribe(FASTIFY_INITIALIZATION, onInstance);
  return () => diagnostics.unsubscribe(FASTIFY_INITIALIZATION, onInstance);
}
