// The schema's example record from DESIGN.md: the typical payload of every benchmark.
export const exampleRecord = {
  timestamp: '2025-10-11T14:23:45.123Z',
  level: 'ERROR',
  message: 'Failed to charge card',
  correlation_id: 'req-7f3b2a1c-4d5e',
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  span_id: '00f067aa0ba902b7',
  service: 'payment-service',
  environment: 'production',
  host: 'pod-payment-7d4f8b9c-xk2l9',
  version: 'v2.3.1',
  error: {
    type: 'PaymentProcessingException',
    message: 'Failed to charge card: Insufficient funds',
    stack_trace: '...',
    fingerprint: 'payment-insufficient-funds',
    severity: 'medium',
    category: 'integration',
  },
  user: { id: 'user-12345', session_id: 'sess-abc123' },
  request: { method: 'POST', path: '/api/v1/payments/charge', duration_ms: 2547, status_code: 402 },
  context: { payment_method: 'credit_card', amount: 149.99, currency: 'USD', merchant_id: 'merchant-789' },
};
