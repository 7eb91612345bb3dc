import { registerErrorRule } from '@otelkit/core';

let registered = false;

/** Classifies the demo's own errors in the core taxonomy (both services share the rules; idempotent). */
export function registerDemoErrorRules(): void {
  if (registered) return;
  registered = true;
  registerErrorRule({
    name: 'db-pool-exhausted',
    match: { code: 'DB_POOL_ACQUIRE_TIMEOUT' },
    severity: 'critical',
    category: 'performance',
    retryable: true,
  });
  registerErrorRule({
    name: 'card-gateway-credentials',
    match: { code: 'CARD_GATEWAY_HTTP_ERROR', status: [401, 403] },
    severity: 'critical',
    category: 'configuration',
    retryable: false,
  });
  registerErrorRule({
    name: 'card-gateway-timeout',
    match: { code: 'CARD_GATEWAY_TIMEOUT' },
    severity: 'high',
    category: 'integration',
    retryable: true,
  });
  registerErrorRule({
    name: 'card-gateway-unreachable',
    match: { code: 'CARD_GATEWAY_UNREACHABLE' },
    severity: 'high',
    category: 'integration',
    retryable: true,
  });
  registerErrorRule({
    name: 'card-gateway-circuit-open',
    match: { code: 'CARD_GATEWAY_CIRCUIT_OPEN' },
    severity: 'high',
    category: 'integration',
    retryable: true,
  });
  registerErrorRule({
    name: 'card-processor',
    match: { code: /^PROCESSOR_(UNAVAILABLE|ERROR)$/ },
    severity: 'high',
    category: 'integration',
    retryable: true,
  });
}
