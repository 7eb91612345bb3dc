// A record of the core schema, built the way every otelkit sink builds it: correlation context, the service
// resource, a serialized + fingerprinted error, then redaction before it is written.
import {
  correlationIdFrom,
  createRedactor,
  getContext,
  getResource,
  runWithContext,
  serializeError,
} from '@otelkit/core';

const redactor = createRedactor();
const { service, environment, host, version } = getResource();
const headers = {
  'x-correlation-id': 'req-7f3b2a1c-4d5e',
  authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
};

runWithContext({ correlationId: correlationIdFrom(headers), userId: 'user-12345' }, () => {
  const error = new Error('Failed to charge card 4111 1111 1111 1111 for ann@example.com: password=hunter2');
  const record = {
    timestamp: new Date().toISOString(),
    level: 'ERROR',
    message: 'Failed to charge card',
    correlation_id: getContext().correlationId,
    service,
    environment,
    host,
    version,
    error: serializeError(error),
    user: { id: getContext().userId },
    context: { headers, amount: 149.99, currency: 'USD' },
  };
  process.stdout.write(`${redactor.stringify(record)}\n`);
});
