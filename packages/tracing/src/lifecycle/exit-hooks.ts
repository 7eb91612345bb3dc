import { warnOnce } from '@otelkit/core';

/** What the exit hooks need from the running tracing. */
export interface ExitTarget {
  /** Spans waiting to be exported. */
  pending(): number;
  flush(timeoutMs: number): Promise<void>;
  shutdown(timeoutMs: number): Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * On SIGTERM/SIGINT, when no other listener owns the signal: shuts tracing down (flush included) within `timeoutMs`,
 * removes itself and re-raises the signal so the process ends exactly as it would have without us (default action, same exit status).
 * When the app has its own listener, that listener decides when to exit; we only flush. Also flushes on
 * `beforeExit` when spans are pending (once per batch of pending spans, so the loop cannot keep itself alive).
 * Returns a function that removes the hooks.
 */
export function installExitHooks(target: ExitTarget, timeoutMs: number): () => void {
  let flushing: Promise<void> | undefined;
  const flush = () => {
    flushing ??= target.flush(timeoutMs).finally(() => {
      flushing = undefined;
    });
    return flushing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const othersListen = process.listenerCount(signal) > 1;
    // Alone, we end the process: shut down (no more retries) within the deadline. With the app owning the signal,
    // it may keep serving while it drains, so only flush.
    const work = othersListen ? flush() : target.shutdown(timeoutMs);
    void work.then(() => {
      if (othersListen) return;
      process.removeListener(signal, onSignal);
      try {
        process.kill(process.pid, signal);
      } catch (error) {
        warnOnce('tracing.exit.reraise', `could not re-raise ${signal} after the exit flush`, {
          error: String(error),
        });
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      }
    });
  };
  let lastPending = -1;
  const onBeforeExit = () => {
    const pending = target.pending();
    if (pending === 0 || flushing) return;
    // If a flush could not empty the queue (collector down), do not start another for the same spans.
    if (pending === lastPending) return;
    lastPending = pending;
    void flush();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  return () => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    process.removeListener('beforeExit', onBeforeExit);
  };
}
