// Cost of capturing one error: @otelkit/errors in local mode (ERROR record to /dev/null + span-less) and in Sentry
// mode (real @sentry/node 11 to a local envelope sink), against `Sentry.captureException` with Sentry's defaults
// (`Sentry.init({ dsn })`) to the same sink. Sentry is one per process, so each contender runs in its own child.
// Sentry-mode tasks capture a batch and wait for the flush, so every event is really built, scrubbed, serialized and
// sent (a tight loop would only measure events dropped by a full queue).
import { fork } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { printRatios } from './lib/report.mjs';

const BATCH = 20;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 2000);

class PaymentProcessingException extends Error {
  name = 'PaymentProcessingException';
}

async function child(variant, dsn) {
  const fd = openSync('/dev/null', 'w');
  const devNull = { write: (line) => writeSync(fd, line) };
  let i = 0;
  const error = () => new PaymentProcessingException(`Failed to charge card for order ${i++}: Insufficient funds`);
  const context = { context: { payment_method: 'credit_card', amount: 149.99, currency: 'USD' } };
  const bench = new Bench({ time: TIME_MS, warmupTime: 300 });
  let done = async () => {};

  if (variant === 'otelkit-local') {
    const { captureError, initErrors } = await import('@otelkit/errors');
    const errors = initErrors({ dsn: false, log: devNull, captureProcessErrors: false });
    bench.add(variant, () => {
      captureError(error(), context);
    });
    done = () => errors.shutdown();
  } else if (variant === 'otelkit-sentry') {
    const { captureError, initErrors } = await import('@otelkit/errors');
    const errors = initErrors({ dsn, log: devNull, captureProcessErrors: false, maxQueueSize: 100 });
    bench.add(variant, async () => {
      for (let n = 0; n < BATCH; n++) captureError(error(), context);
      await errors.flush(10_000);
    });
    done = () => errors.shutdown();
  } else if (variant === 'sentry-defaults') {
    const Sentry = await import('@sentry/node');
    Sentry.init({ dsn });
    bench.add(variant, async () => {
      for (let n = 0; n < BATCH; n++) Sentry.captureException(error(), { extra: context.context });
      await Sentry.flush(10_000);
    });
    done = () => Sentry.close(2000);
  }
  await bench.run();
  const task = bench.tasks[0];
  const hz = task.result.throughput?.mean ?? task.result.hz;
  const perError = variant === 'otelkit-local' ? hz : hz * BATCH;
  await done();
  closeSync(fd);
  process.send({ name: variant, hz: perError, unit: 'errors/s' });
  process.exit(0);
}

if (process.env.ERRORS_BENCH_VARIANT) {
  await child(process.env.ERRORS_BENCH_VARIANT, process.env.ERRORS_BENCH_DSN);
} else {
  // The envelope sink: reads every envelope and answers 200, as Sentry's ingest would.
  let envelopes = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      envelopes++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const dsn = `http://publickey@127.0.0.1:${sink.address().port}/1`;
  const rows = [];
  for (const variant of ['sentry-defaults', 'otelkit-sentry', 'otelkit-local']) {
    const before = envelopes;
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, ERRORS_BENCH_VARIANT: variant, ERRORS_BENCH_DSN: dsn, OTEL_SERVICE_NAME: 'bench' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const row = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`${variant} exited with ${code}`)));
    });
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()));
    rows.push({
      ...row,
      note: variant === 'otelkit-local' ? 'no network' : `${envelopes - before} envelopes received`,
    });
  }
  sink.close();
  printRatios('captureError vs Sentry.captureException, per error (higher is better)', rows, 'sentry-defaults');
  const [sentry, ours] = rows;
  console.log(
    `\notelkit Sentry mode costs ${(sentry.hz / ours.hz).toFixed(2)}x Sentry's own captureException per error ` +
      `(it also writes the ERROR record and adds the span event); local mode: ${(rows[2].hz / sentry.hz).toFixed(1)}x faster`,
  );
}
