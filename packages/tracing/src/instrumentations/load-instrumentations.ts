import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { warnOnce } from '@otelkit/core';
import type { InstrumentationName } from '../lifecycle/options.js';
import { createFastifyRouteInstrumentation } from './fastify-route.js';
import { createHttpServerInstrumentation } from './http-server.js';

const requireHere = createRequire(import.meta.url);

/** Whether the app can load `name`: resolved from the working directory and from the main script's folder. */
export function isInstalled(name: string): boolean {
  const bases = [join(process.cwd(), 'noop.js')];
  if (process.argv[1]) bases.push(join(dirname(process.argv[1]), 'noop.js'));
  for (const base of bases) {
    const req = createRequire(base);
    for (const id of [name, `${name}/package.json`]) {
      try {
        req.resolve(id);
        return true;
      } catch {
        /* try the next */
      }
    }
  }
  return false;
}

/** The module each named instrumentation patches, when it needs the app to have one. */
const TARGET_MODULE: Partial<Record<InstrumentationName, string>> = {
  express: 'express',
  fastify: 'fastify',
  pg: 'pg',
};

/** Modules patched at load time (so ES module apps need the import hook for them). */
export const HOOKED_MODULES: Partial<Record<InstrumentationName, string[]>> = {
  express: ['express', 'router'],
  pg: ['pg', 'pg-pool'],
};

/** What the created instrumentations need to know about the SDK they run on. */
export interface LoadOptions {
  /** Whether the sampler may read span attributes (a custom sampler); the built-in ones do not. */
  samplerReadsAttributes?: boolean;
  /** The headers the global propagator reads, when it reads no others (see the server instrumentation's option). */
  inboundHeaders?: readonly string[] | undefined;
}

function create(name: InstrumentationName, options: LoadOptions): Instrumentation[] {
  switch (name) {
    case 'http': {
      // Server side: otelkit's lean instrumentation. Client side: the stock one, outgoing requests only.
      const { HttpInstrumentation } = requireHere('@opentelemetry/instrumentation-http');
      return [
        createHttpServerInstrumentation({
          samplerReadsAttributes: options.samplerReadsAttributes,
          inboundHeaders: options.inboundHeaders,
        }),
        new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      ];
    }
    case 'undici': {
      const { UndiciInstrumentation } = requireHere('@opentelemetry/instrumentation-undici');
      return [new UndiciInstrumentation()];
    }
    case 'express': {
      const { ExpressInstrumentation } = requireHere('@opentelemetry/instrumentation-express');
      return [new ExpressInstrumentation()];
    }
    case 'fastify':
      return [createFastifyRouteInstrumentation()];
    case 'pg': {
      const { PgInstrumentation } = requireHere('@opentelemetry/instrumentation-pg');
      return [new PgInstrumentation()];
    }
  }
}

/**
 * Creates the named instrumentations whose target module is installed (`http` and `undici` target Node built-ins:
 * always). Loading is synchronous so that patches are in place before the app requires its framework; a failure to
 * load one is reported once and the others still start.
 */
export function loadInstrumentations(
  names: readonly InstrumentationName[],
  options: LoadOptions = {},
): {
  instrumentations: Instrumentation[];
  enabled: InstrumentationName[];
} {
  const instrumentations: Instrumentation[] = [];
  const enabled: InstrumentationName[] = [];
  for (const name of names) {
    const target = TARGET_MODULE[name];
    if (target !== undefined && !isInstalled(target)) continue;
    try {
      instrumentations.push(...create(name, options));
      enabled.push(name);
    } catch (error) {
      warnOnce(`tracing.instrumentation.${name}`, `could not load the ${name} instrumentation`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { instrumentations, enabled };
}
