import { createRequire } from 'node:module';
import { warnOnce } from '@otelkit/core';
import type * as Errors from '@otelkit/errors';
import type * as Logging from '@otelkit/logging';
import type * as Metrics from '@otelkit/metrics';
import type * as Tracing from '@otelkit/tracing';
import { SIGNAL_PACKAGES, type SignalPackage } from './options.js';

/** The public module of each signal package. */
export interface SignalModules {
  tracing: typeof Tracing;
  metrics: typeof Metrics;
  logging: typeof Logging;
  errors: typeof Errors;
}

// Written out in full (not built from the short name) so that `pnpm rescope` rewrites them with everything else.
const SPECIFIERS: Record<SignalPackage, string> = {
  tracing: '@otelkit/tracing',
  metrics: '@otelkit/metrics',
  logging: '@otelkit/logging',
  errors: '@otelkit/errors',
};

const requireHere = createRequire(import.meta.url);

/** The npm name of a signal package. */
export function packageName(name: SignalPackage): string {
  return SPECIFIERS[name];
}

/**
 * The signal packages installed beside this one, resolved from here as optional peer dependencies are. Absent ones
 * are left out silently; one whose directory is there but whose entry does not resolve (a broken or half-written
 * install) is left out with a warning.
 */
export function installedPackages(): SignalPackage[] {
  const installed: SignalPackage[] = [];
  for (const name of SIGNAL_PACKAGES) {
    const specifier = SPECIFIERS[name];
    try {
      requireHere.resolve(specifier);
      installed.push(name);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND' && !isPresent(specifier)) continue;
      warnOnce(`node.load.${name}`, `${specifier} is installed but cannot be resolved; it is not started`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return installed;
}

/** Whether the package's directory is there at all (every otelkit package exports its package.json). */
function isPresent(specifier: string): boolean {
  try {
    requireHere.resolve(`${specifier}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads one installed signal package synchronously (`require` of its ES module, Node 20.19+), so that everything is
 * in place before the application's first import. Returns undefined, with one warning, when it fails to load.
 */
export function loadPackage<N extends SignalPackage>(name: N): SignalModules[N] | undefined {
  try {
    return requireHere(SPECIFIERS[name]) as SignalModules[N];
  } catch (error) {
    warnOnce(`node.load.${name}`, `${SPECIFIERS[name]} is installed but failed to load; it is not started`, {
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}
