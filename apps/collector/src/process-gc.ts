import { setFlagsFromString } from 'node:v8';

/**
 * The V8 setting the `otelkit-collector` command applies to its own process before it starts the collector: keep
 * the young generation at its initial size (`new_space` 2 MiB) instead of letting V8 grow it as survivors accumulate
 * (to 32 MiB on Node 20 and 64 MiB on Node 24 in a test that keeps a tenth of what it allocates).
 *
 * Why: an OTLP receiver's allocation is mostly short-lived array buffers (HTTP/2 frames, whole gRPC messages) with
 * little JavaScript garbage beside them. With a large young generation, scavenges become rare, the dead buffers pile up
 * between them, and V8 counts that array-buffer memory against the old generation's limit, so it runs mark-compacts
 * instead: in the ingest benchmark about one every 110 ms, with the young generation grown to its maximum. Small
 * semi-spaces keep scavenges frequent (each ≈ 0.3 ms here) and the dead buffers go with them; with the stored batches
 * in reused slabs as well (`store/slab-arena.ts`), mark-compacts fell from 16–25 to 4–8 per 3-round benchmark run, most of them while the store first fills.
 *
 * `startCollector` does not do this: embedded in another program (a test runner, the demo), the process and its GC are
 * that program's. The setting is read by V8 each time it would grow the young generation, so it applies from here on.
 */
export function tuneCollectorProcessGc(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
