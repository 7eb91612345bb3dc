/** The instrumentation scope every otelkit metric is recorded under. A test keeps the version equal to package.json. */
export const SCOPE_NAME = '@otelkit/metrics';
export const SCOPE_VERSION = '0.1.0';
