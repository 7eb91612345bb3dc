// Logs N lines to a file, then leaves in the way argv[3] says. The test counts the lines that made it.
//   node exit-flush.mjs <file> <exit|natural|throw> <sync|async> [count] [otlpEndpoint]
import { createLogger } from '@otelkit/logging';

const [file, how, mode, count = '10000', endpoint] = process.argv.slice(2);
const logger = createLogger({
  destination: file,
  sync: mode === 'sync',
  ...(endpoint ? { otlp: { endpoint, scheduledDelayMs: 5000 } } : {}),
});
for (let i = 0; i < Number(count); i++) logger.info({ i, payload: 'x'.repeat(100) }, 'line before exit');
if (how === 'exit') process.exit(0);
if (how === 'throw') throw new Error('crash after logging');
