/**
 * `@otelkit/node/register`: the zero-code entry, and the only module of otelkit with a side effect.
 *
 * ```sh
 * node --import @otelkit/node/register app.js      # ES module and CommonJS apps alike
 * ```
 *
 * Starts every installed otelkit signal package from the environment before the application's first import (see
 * `start`). Invalid configuration prints core's `ConfigError` on stderr and ends the process with exit code 1 before
 * the application runs. Worker threads (which inherit `--import`) start nothing: the main thread's telemetry covers
 * the process.
 *
 * @packageDocumentation
 */
import { isMainThread } from 'node:worker_threads';
import { start } from './lifecycle/start.js';

const CONFIG_INVALID = 'OTELKIT_CONFIG_INVALID';

if (isMainThread) {
  try {
    start();
  } catch (error) {
    // Compared by code, not instanceof: a second copy of @otelkit/core in node_modules throws its own class.
    if ((error as { code?: unknown } | null)?.code !== CONFIG_INVALID) throw error;
    process.stderr.write(
      `ConfigError: ${(error as Error).message}\n@otelkit/node/register: nothing was started and the application was not run.\n`,
    );
    process.exit(1);
  }
}
