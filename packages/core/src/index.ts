/**
 * `@otelkit/core`: the single source of truth every otelkit package speaks — the log record schema and its
 * OpenTelemetry attribute mapping, error identity (serialization, classification, fingerprint), redaction,
 * correlation context, configuration and the service resource.
 *
 * @packageDocumentation
 */

export type { ConfigProblem } from './config/config-error.js';
export { ConfigError } from './config/config-error.js';
export type {
  DiagLevelName,
  LogLevelName,
  LogLevelSpec,
  OtelkitConfig,
  OtlpProtocol,
  OtlpSignalConfig,
  SamplerName,
} from './config/load-config.js';
export { loadConfig } from './config/load-config.js';
export type { HeadersLike, OtelkitContext } from './context/context.js';
export {
  CORRELATION_ID_HEADER,
  correlationIdFrom,
  getContext,
  isValidCorrelationId,
  newCorrelationId,
  runWithContext,
  setOtelkitContext,
  updateContext,
} from './context/context.js';
export type { ErrorClassification, ErrorFacts, ErrorMatcher, ErrorRule } from './errors/classify-error.js';
export { classifyError, registerErrorRule } from './errors/classify-error.js';
export { fingerprint, normalizeMessage, withFingerprint } from './errors/fingerprint.js';
export type { SerializeErrorOptions } from './errors/serialize-error.js';
export { serializeError } from './errors/serialize-error.js';
export { DEFAULT_SENSITIVE_KEYS } from './redact/key-rules.js';
export type { Redactor, RedactorOptions } from './redact/redactor.js';
export { createRedactor, redact } from './redact/redactor.js';
export type { ServiceResource } from './resource/resource.js';
export { getResource } from './resource/resource.js';
export type { SchemaField, ToAttributesOptions } from './schema/attributes.js';
export {
  ATTRIBUTE_NAMES,
  fromAttributes,
  levelFromSeverityNumber,
  RESOURCE_FIELDS,
  severityNumber,
  toAttributes,
} from './schema/attributes.js';
export type {
  ErrorCategory,
  ErrorSeverity,
  LogLevel,
  LogRecord,
  LogRequest,
  LogUser,
  SerializedError,
} from './schema/log-record.js';
export { LOG_LEVELS } from './schema/log-record.js';
export type { WarningSink } from './telemetry/internal-warning.js';
export { setWarningSink, warnOnce } from './telemetry/internal-warning.js';
export type { RecordListener } from './telemetry/record-hooks.js';
export { hasRecordListeners, onRecord, publishRecord } from './telemetry/record-hooks.js';
export type { DropCount, TelemetrySignal } from './telemetry/self-telemetry.js';
export { droppedTelemetry, recordDropped } from './telemetry/self-telemetry.js';
