// Instructions per span of the collector's trace ingest, counted by valgrind's callgrind: a figure that does not move
// with what else the machine runs, beside collector-ingest.bench.mjs (rates over real gRPC) that does.
//
// The exports are the ingest bench's spans (a SERVER span with six HTTP attributes and a CLIENT child per request),
// encoded once by the real OTLP serializer into a file. Two processes under callgrind (V8 on one thread:
// `--single-threaded`, so GC and compilation are counted too) then run what the gRPC receiver runs for each of the
// first N1, then N2 exports — `acceptTracesProtobuf` (the wire scan, answered) and the store's drain (index, store,
// evict) — and (instructions(N2) - instructions(N1)) / ((N2 - N1) * 512) leaves start-up and the file read out. With the
// default limit of 100,000 stored spans the store is full from the 196th export on, so the default window
// (200 → 300) counts ingest with eviction, the steady state of a long-running collector. The gRPC/HTTP/2 path, the
// same for the collector and for a discarding receiver, is not in the count.
//   node collector-instructions.bench.mjs [n1] [n2]   (200 300; needs valgrind; prints a note and exits 0 without it)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFromCollector, paymentSpanBatches } from './lib/payment-spans.mjs';

const BATCH = 512;
const collectorDir = new URL('../apps/collector/', import.meta.url);

if (process.argv[2] === 'ingest') await ingest(process.argv[3], Number(process.argv[4]));
else await main();

async function main() {
  const n1 = Number(process.argv[2] ?? 200);
  const n2 = Number(process.argv[3] ?? 300);
  if (!(Number.isInteger(n1) && Number.isInteger(n2) && n1 >= 1 && n2 > n1)) {
    console.error(`usage: node collector-instructions.bench.mjs [n1] [n2] with 1 <= n1 < n2 (got ${n1}, ${n2})`);
    process.exit(2);
  }
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.log('valgrind is not installed: skipped (apt-get install valgrind)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'otelkit-collector-instr-'));
  try {
    const file = join(dir, 'exports.bin');
    writeFileSync(file, await encodeExports(n2));
    const count = (n) => {
      const out = join(dir, `callgrind.${n}.out`);
      const r = spawnSync(
        'valgrind',
        [
          '--tool=callgrind',
          `--callgrind-out-file=${out}`,
          process.execPath,
          '--single-threaded',
          fileURLToPath(import.meta.url),
          'ingest',
          file,
          String(n),
        ],
        { encoding: 'utf8' },
      );
      if (r.status !== 0)
        throw new Error(`callgrind run of ${n} exports failed (${r.status}):\n${r.stderr.slice(-2000)}`);
      const summary = /^summary: (\d+)/m.exec(readFileSync(out, 'utf8'));
      if (!summary) throw new Error(`no callgrind summary in ${out}`);
      return { instructions: Number(summary[1]), stored: JSON.parse(r.stdout.trim().split('\n').pop()) };
    };
    const a = count(n1);
    const b = count(n2);
    const perSpan = (b.instructions - a.instructions) / ((n2 - n1) * BATCH);
    console.log(
      `collector trace ingest (scan + store${b.stored.evicted > 0 ? ' + evict' : ''}), exports ${n1} → ${n2} of ` +
        `${BATCH} spans: ${Math.round(perSpan).toLocaleString('en-US')} instructions per span ` +
        `(stored ${b.stored.spans.toLocaleString('en-US')}, evicted ${b.stored.evicted.toLocaleString('en-US')})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `count` exports of the ingest bench's spans, as the real serializer encodes them, each prefixed by its length. */
async function encodeExports(count) {
  const { ProtobufTraceSerializer } = await loadFromCollector('@opentelemetry/otlp-transformer');
  const parts = [];
  for (const batch of await paymentSpanBatches(count * BATCH, BATCH)) {
    const body = ProtobufTraceSerializer.serializeRequest(batch);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(body.length);
    parts.push(length, body);
  }
  return Buffer.concat(parts);
}

/** The measured process: the first `n` exports of `file` through what the gRPC receiver does with each. */
async function ingest(file, n) {
  const { DEFAULT_LIMITS, Store } = await import(new URL('dist/store/store.js', collectorDir).href);
  const { acceptTracesProtobuf } = await import(new URL('dist/receivers/otlp-ingest.js', collectorDir).href);
  const all = readFileSync(file);
  const exports = [];
  for (let p = 0; exports.length < n && p < all.length; ) {
    const length = all.readUInt32LE(p);
    // Each in a buffer of its own, as grpc-js hands a request over.
    exports.push(Buffer.from(all.subarray(p + 4, p + 4 + length)));
    p += 4 + length;
  }
  if (exports.length < n) throw new Error(`${file} holds ${exports.length} exports, not ${n}`);
  const store = new Store({ ...DEFAULT_LIMITS });
  for (const body of exports) {
    acceptTracesProtobuf(store, body);
    store.drain();
  }
  const stats = store.stats();
  console.log(JSON.stringify({ spans: stats.stored.spans, evicted: stats.evicted.spans }));
}
