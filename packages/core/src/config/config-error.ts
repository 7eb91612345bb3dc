/** One problem with one setting: where it came from, what it was, and what would have been accepted. */
export interface ConfigProblem {
  /** The environment variable or option path, such as `OTEL_TRACES_SAMPLER` or `options.redact.keys[2]`. */
  field: string;
  /** The value as given (secrets are not echoed: see {@link ConfigError}). */
  value: unknown;
  /** What is accepted, in words a reader can act on. */
  expected: string;
}

const SECRET_FIELD = /HEADERS|TOKEN|SECRET|PASSWORD|DSN|KEY/i;

function show(field: string, value: unknown): string {
  if (SECRET_FIELD.test(field) && typeof value === 'string' && value.length > 0) return '"<redacted>"';
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Invalid configuration, raised once at start with every problem found, never at run time.
 *
 * @example
 * ```ts
 * try { loadConfig(); } catch (e) { if (e instanceof ConfigError) console.error(e.message); }
 * // Invalid otelkit configuration (1 problem):
 * //   - OTEL_TRACES_SAMPLER="sometimes": expected one of always_on, always_off, traceidratio, …
 * ```
 */
export class ConfigError extends Error {
  /** Stable code for programmatic checks. */
  readonly code = 'OTELKIT_CONFIG_INVALID';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.field}=${show(p.field, p.value)}: expected ${p.expected}`);
    super(
      `Invalid otelkit configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
