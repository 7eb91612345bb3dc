// Redact + serialize the schema's example record: @otelkit/core vs plain JSON.stringify vs fast-redact (pino's).
// Target (issue 2): otelkit's redact + serialize costs at most 2x a plain JSON.stringify.
import { randomBytes } from 'node:crypto';
import { createRedactor, DEFAULT_SENSITIVE_KEYS } from '@otelkit/core';
import fastRedact from 'fast-redact';
import { Bench } from 'tinybench';
import { exampleRecord } from './lib/example-record.mjs';
import { printRatios } from './lib/report.mjs';

const redactor = createRedactor();
// fast-redact only knows explicit paths: give it our key list at the top level and one level down.
const paths = DEFAULT_SENSITIVE_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`]);
const fastRedactSerialize = fastRedact({ paths, serialize: JSON.stringify });

// A stream where the per-request fields differ on every record (ids, duration), as in production.
const ids = Array.from({ length: 4096 }, () => ({
  correlation_id: `req-${randomBytes(6).toString('hex')}`,
  trace_id: randomBytes(16).toString('hex'),
  span_id: randomBytes(8).toString('hex'),
  user: { id: `user-${randomBytes(3).toString('hex')}`, session_id: `sess-${randomBytes(4).toString('hex')}` },
}));
const varied = ids.map((v, i) => ({ ...exampleRecord, ...v, request: { ...exampleRecord.request, duration_ms: i } }));
let i = 0;
let sink = 0;

const bench = new Bench({ time: 1500, warmupTime: 300 });
bench
  .add('JSON.stringify', () => {
    sink += JSON.stringify(exampleRecord).length;
  })
  .add('otelkit redact+stringify', () => {
    sink += redactor.stringify(exampleRecord).length;
  })
  .add('fast-redact+stringify', () => {
    sink += fastRedactSerialize(exampleRecord).length;
  })
  .add('JSON.stringify (varied ids)', () => {
    sink += JSON.stringify(varied[i++ & 4095]).length;
  })
  .add('otelkit redact+stringify (varied ids)', () => {
    sink += redactor.stringify(varied[i++ & 4095]).length;
  })
  .add('otelkit redact (deep copy) + JSON.stringify', () => {
    sink += JSON.stringify(redactor.redact(exampleRecord)).length;
  });

await bench.run();
const rows = bench.tasks.map((t) => ({ name: t.name, hz: t.result.throughput?.mean ?? t.result.hz }));
printRatios(
  'Redact + serialize the example record (higher is better)',
  rows.slice(0, 3).concat(rows.slice(5)),
  'JSON.stringify',
);
printRatios('Same, with ids that differ on every record', rows.slice(3, 5), 'JSON.stringify (varied ids)');
const cost = rows[0].hz / rows[1].hz;
const costVaried = rows[3].hz / rows[4].hz;
console.log(
  `\notelkit redact+stringify costs ${cost.toFixed(2)}x a plain JSON.stringify (${costVaried.toFixed(2)}x with varied ids); target <= 2x`,
);
if (sink === 0) console.log('');
