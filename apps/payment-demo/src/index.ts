/**
 * `@otelkit/payment-demo` — the demo payment system: payment-api (Fastify 5), card-gateway (Express 5), the database
 * layer (PGlite or PostgreSQL), the load generator and the one-command demo. Private: exported for its own tests.
 *
 * @packageDocumentation
 */

export type { AppLogger } from './app-logger.js';
export type { CardGateway, CardGatewayOptions } from './card-gateway/card-gateway-app.js';
/** The simulated card processor, its test card and its test payment method. */
export {
  createCardGatewayApp,
  INSUFFICIENT_FUNDS_CARD,
  INSUFFICIENT_FUNDS_METHOD,
} from './card-gateway/card-gateway-app.js';
export type { GatewayFaults } from './card-gateway/faults.js';
/** The gateway's fault defaults and the `GATEWAY_*` reader. */
export { DEFAULT_FAULTS, faultsFromEnv } from './card-gateway/faults.js';
export type { Connection, Database, QueryResult } from './db/database.js';
/** Applies the schema migrations. */
export { MIGRATIONS, migrate } from './db/migrations.js';
export type { DatabaseOptions } from './db/open-database.js';
/** Opens PGlite or PostgreSQL and migrates. */
export { openDatabase } from './db/open-database.js';
export type { PoolStats } from './db/pool-stats.js';
/** Thrown when the pool is exhausted. */
export { PoolTimeoutError } from './db/pool-stats.js';
/** Drops a test schema on PostgreSQL. */
export { dropPostgresSchema } from './db/postgres-database.js';
export type { Demo, DemoOptions, RunDemoOptions } from './demo/run-demo.js';
/** Starts the demo stack (collector, services, idle load) / runs the whole demo as `pnpm demo` does. */
export { runDemo, startDemo } from './demo/run-demo.js';
export type { Scenario, ScenarioContext, ScenarioName } from './demo/scenarios.js';
/** The fault scenarios, in the default order. */
export { SCENARIOS } from './demo/scenarios.js';
/** A clear start-up failure of the stack (port in use, crashed service). */
export { DemoError } from './demo/service-process.js';
export type { Stack, StackOptions, StackPorts } from './demo/stack.js';
/** Starts the collector and both services as child processes. */
export { DEFAULT_STACK_PORTS, startStack } from './demo/stack.js';
export type {
  CircuitStateName,
  GatewayClient,
  GatewayClientOptions,
  GatewayPolicyObserver,
} from './gateway-client/gateway-client.js';
/** payment-api's resilient client for the card gateway. */
export { createGatewayClient } from './gateway-client/gateway-client.js';
export type { LoadGenerator, LoadGeneratorOptions, RequestResult, TrafficMix } from './load/load-generator.js';
/** The load generator. */
export { createLoadGenerator } from './load/load-generator.js';
/** Test card numbers the load generator uses. */
export { TEST_CARDS } from './load/traffic.js';
export type { ApiFaults, PaymentApiOptions } from './payment-api/payment-api-app.js';
/** Builds payment-api. */
export { createPaymentApi } from './payment-api/payment-api-app.js';
export type { ChargeRequest, FieldError } from './payments/charge-request.js';
/** Validates a charge request. */
export { parseChargeRequest } from './payments/charge-request.js';
/** The release features of a version. */
export { featuresFor } from './payments/release-features.js';
