// The service under load: a plain node:http JSON endpoint (the cheapest handler, so otelkit's share is the largest).
import { createServer } from 'node:http';

const server = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}');
});
server.listen(0, '127.0.0.1', () => process.stderr.write(`listening on ${server.address().port}\n`));
