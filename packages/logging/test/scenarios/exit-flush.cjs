// The CommonJS twin of exit-flush.mjs: the package is loaded with require() (require(esm), Node >= 20.19).
const { createLogger } = require('@otelkit/logging');

const [file, how, mode, count = '10000'] = process.argv.slice(2);
const logger = createLogger({ destination: file, sync: mode === 'sync' });
for (let i = 0; i < Number(count); i++) logger.info({ i, payload: 'x'.repeat(100) }, 'line before exit');
if (how === 'exit') process.exit(0);
if (how === 'throw') throw new Error('crash after logging');
