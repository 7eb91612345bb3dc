const { runWithContext } = require('@otelkit/core');
const { captureError, initErrors } = require('@otelkit/errors');

const errors = initErrors(); // SENTRY_DSN set: also to Sentry; unset: local only
runWithContext({ correlationId: 'req-42', userId: 'user-12345' }, () => {
  const failure = Object.assign(new Error('gateway refused card, token=abc123'), { code: 'ECONNRESET' });
  const { fingerprint, classification, eventId } = captureError(failure, { context: { order_id: 'o-42' } });
  console.error(fingerprint, classification.category, eventId ?? 'local'); // the ERROR line on stdout says the same
});
errors.shutdown();
