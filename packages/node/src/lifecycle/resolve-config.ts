import { ConfigError, type ConfigProblem, loadConfig, type OtelkitConfig, warnOnce } from '@otelkit/core';
import { packageName } from './installed-packages.js';
import { SIGNAL_PACKAGES, type SignalPackage, type StartOptions } from './options.js';

/** Options and environment, validated once: code wins over env, env over defaults. */
export interface ResolvedConfig {
  env: OtelkitConfig;
  packages: SignalPackage[];
  consoleCapture: boolean;
  exitHandlers: boolean;
  shutdownTimeoutMs: number;
}

function isSignalPackage(value: unknown): value is SignalPackage {
  return typeof value === 'string' && (SIGNAL_PACKAGES as readonly string[]).includes(value);
}

/**
 * Reads the environment through core's `loadConfig` and checks the options against it and against what is
 * installed. Every problem — the environment's and the options' — is thrown as one `ConfigError`.
 */
export function resolveConfig(
  options: StartOptions,
  installed: readonly SignalPackage[],
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const problems: ConfigProblem[] = [];
  if (options === null || typeof options !== 'object') {
    throw new ConfigError([{ field: 'options', value: options, expected: 'an options object or nothing' }]);
  }
  let config: OtelkitConfig | undefined;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }

  let wanted: readonly unknown[] = installed;
  const given = options.packages;
  if (typeof given === 'function') {
    try {
      wanted = given([...installed]);
    } catch (error) {
      problems.push({ field: 'options.packages', value: String(error), expected: 'a function that returns a list' });
      wanted = [];
    }
  } else if (given !== undefined) wanted = given;
  const packages: SignalPackage[] = [];
  if (!Array.isArray(wanted)) {
    problems.push({
      field: 'options.packages',
      value: wanted,
      expected: `an array of ${SIGNAL_PACKAGES.join(', ')}, or (installed) => array`,
    });
  } else {
    wanted.forEach((name, i) => {
      if (!isSignalPackage(name)) {
        problems.push({
          field: `options.packages[${i}]`,
          value: name,
          expected: `one of ${SIGNAL_PACKAGES.join(', ')}`,
        });
      } else if (!installed.includes(name)) {
        problems.push({
          field: `options.packages[${i}]`,
          value: name,
          expected: `an installed package (install ${packageName(name)}, or leave it out)`,
        });
      } else if (!packages.includes(name)) packages.push(name);
    });
  }
  // Start order is SIGNAL_PACKAGES' order, whatever order the caller listed them in.
  packages.sort((a, b) => SIGNAL_PACKAGES.indexOf(a) - SIGNAL_PACKAGES.indexOf(b));

  // `OTELKIT_CONSOLE_CAPTURE` is read (and its bad values reported) by core's loadConfig.
  const envCapture = config?.logs.consoleCapture;
  let ignored: string | undefined;
  let consoleCapture = options.consoleCapture ?? envCapture ?? false;
  if (typeof consoleCapture !== 'boolean') {
    problems.push({ field: 'options.consoleCapture', value: consoleCapture, expected: 'true or false' });
  } else if (consoleCapture && !packages.includes('logging')) {
    const expected = 'false unless @otelkit/logging is installed and started (console capture writes through it)';
    // Asked for in code: a clear error at start. Asked for by the environment only: run without it, say why once.
    if (options.consoleCapture !== undefined) {
      problems.push({ field: 'options.consoleCapture', value: true, expected });
    } else ignored = `OTELKIT_CONSOLE_CAPTURE=true is ignored: expected ${expected}`;
    consoleCapture = false;
  }
  const exitHandlers = options.exitHandlers ?? true;
  if (typeof exitHandlers !== 'boolean') {
    problems.push({ field: 'options.exitHandlers', value: exitHandlers, expected: 'true or false' });
  }
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  if (typeof shutdownTimeoutMs !== 'number' || !Number.isFinite(shutdownTimeoutMs) || shutdownTimeoutMs < 0) {
    problems.push({ field: 'options.shutdownTimeoutMs', value: shutdownTimeoutMs, expected: 'a number of ms >= 0' });
  }
  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  if (ignored !== undefined) warnOnce('node.console-capture.unavailable', ignored);
  return { env: config, packages, consoleCapture, exitHandlers, shutdownTimeoutMs };
}
