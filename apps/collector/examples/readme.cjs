const { startCollector } = require('@otelkit/collector');

(async () => {
  const collector = await startCollector({ grpcPort: 0, httpPort: 0, uiPort: 0 });
  const span = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    name: 'GET /health',
    kind: 2,
    startTimeUnixNano: `${Date.now() - 5}000000`,
    endTimeUnixNano: `${Date.now()}000000`,
    status: { code: 2 },
  };
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'readme' } }] };
  const body = JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ spans: [span] }] }] });
  await fetch(`${collector.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  console.log(collector.query.listTraces({ status: 'error' }).map((t) => `${t.traceId} ${t.rootName}`));
  await collector.stop();
})();
