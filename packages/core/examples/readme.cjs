const {
  createRedactor,
  runWithContext,
  correlationIdFrom,
  getContext,
  serializeError,
  toAttributes,
} = require('@otelkit/core');

const redactor = createRedactor({ keys: ['merchant_secret_ref'] });
runWithContext({ correlationId: correlationIdFrom({ 'x-correlation-id': 'req-42' }) }, () => {
  const error = serializeError(new Error('charge failed for user 42: token=abc123'));
  const record = { level: 'ERROR', message: 'charge failed', correlation_id: getContext()?.correlationId, error };
  console.log(redactor.stringify(record)); // token=[REDACTED], fingerprint stable across user ids
  console.log(toAttributes({ error })['otelkit.error.fingerprint'] === error.fingerprint); // true
});
