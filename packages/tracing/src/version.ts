/** The package name, used as the instrumentation scope of otelkit's own spans. */
export const PACKAGE_NAME = '@otelkit/tracing';
/** Kept in step with package.json by a test. */
export const PACKAGE_VERSION = '0.1.0';
