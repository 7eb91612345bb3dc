const { currentTraceIds, startTracing, withSpan } = require('@otelkit/tracing');

// Reads OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, … — call it before the app loads its framework.
const tracing = startTracing();

withSpan('charge card', { attributes: { 'payment.amount': 149.99 } }, async (span) => {
  span.setAttribute('payment.currency', 'USD');
  return { ok: true, ...currentTraceIds() };
})
  .then((receipt) => console.log(receipt))
  .finally(() => tracing.shutdown());
