// The README example as CommonJS.
const { createServer } = require('node:http');
const { defineMetrics, instrumentHttpServer, startMetrics } = require('@otelkit/metrics');

const metrics = startMetrics({ otlp: false, prometheus: { port: 0 } });
const shop = defineMetrics({
  payments: { kind: 'counter', name: 'payments', unit: '{payment}', attributes: ['outcome'] },
});
const server = createServer((_req, res) => {
  shop.payments.add(1, { outcome: 'success' });
  res.end('paid');
});
instrumentHttpServer(server, { route: () => '/payments' });
server.listen(0, async () => {
  await (await fetch(`http://localhost:${server.address().port}/payments`)).text();
  console.log(await (await fetch(await metrics.prometheusUrl)).text());
  server.close(() => metrics.shutdown());
});
