import { warnOnce } from '@otelkit/core';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * The one set of exit handlers for every started package (each package's own signal handling is turned off, so a
 * signal is never handled twice). On SIGTERM/SIGINT: flush everything within the deadline, then — when no other
 * listener owns the signal — remove ourselves and re-raise it, so the process ends exactly as it would have without
 * us (default action, same exit status). When the app listens too, its listener decides when to exit; we only flush.
 * On the first `beforeExit`: flush once (a flush that exports keeps the loop alive, and the next `beforeExit` must
 * not start another, or the process would never end). Returns a function that removes the handlers.
 */
export function installExitHooks(flush: (timeoutMs: number) => Promise<void>, timeoutMs: number): () => void {
  let flushing: Promise<void> | undefined;
  const flushOnce = (): Promise<void> => {
    flushing ??= flush(timeoutMs).finally(() => {
      flushing = undefined;
    });
    return flushing;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    const othersListen = process.listenerCount(signal) > 1;
    void flushOnce().then(() => {
      if (othersListen) return;
      process.removeListener(signal, onSignal);
      try {
        process.kill(process.pid, signal);
      } catch (error) {
        warnOnce('node.exit.reraise', `could not re-raise ${signal} after the exit flush`, { error: String(error) });
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      }
    });
  };
  let flushedBeforeExit = false;
  const onBeforeExit = (): void => {
    if (flushedBeforeExit) return;
    flushedBeforeExit = true;
    void flushOnce();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  return () => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    process.removeListener('beforeExit', onBeforeExit);
  };
}
