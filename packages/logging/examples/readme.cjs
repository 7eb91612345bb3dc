const { runWithContext } = require('@otelkit/core');
const { createLogger } = require('@otelkit/logging');

const logger = createLogger({ name: 'payment' });
runWithContext({ correlationId: 'req-7f3b2a1c-4d5e', userId: 'user-12345' }, () => {
  logger.info({ amount: 149.99, currency: 'USD', card_number: '4111 1111 1111 1111' }, 'charging card');
  logger.error({ err: new Error('Insufficient funds'), merchant_id: 'merchant-789' }, 'Failed to charge card');
  logger.debug('not written at the default level (info)');
});
logger.shutdown();
