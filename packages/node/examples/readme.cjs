const { createServer } = require('node:http');
const { start } = require('@otelkit/node');

const otelkit = start(); // every installed otelkit package, configured from OTEL_* / OTELKIT_* variables
const server = createServer((_req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', async () => {
  await (await fetch(`http://127.0.0.1:${server.address().port}/health`)).text();
  console.log(`started: ${otelkit.packages.join(', ') || 'nothing'}`);
  server.close(() => otelkit.shutdown());
});
