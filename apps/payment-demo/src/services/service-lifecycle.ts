import type { Server } from 'node:http';
import { type ChildMessage, type ParentMessage, tellParent } from './child-protocol.js';

/** Reports a start-up failure (to the parent and on stderr) and exits with code 1. */
export function failStart(service: string, error: unknown, port?: number): void {
  const code = (error as { code?: unknown })?.code;
  const message =
    code === 'EADDRINUSE' ? `port ${port} is already in use` : error instanceof Error ? error.message : String(error);
  const fatal: ChildMessage = { type: 'fatal', service, message };
  if (typeof code === 'string') fatal.code = code;
  if (port !== undefined) fatal.port = port;
  tellParent(fatal);
  process.stderr.write(`${service}: failed to start: ${message}\n`);
  // Let the IPC message leave before the process does.
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 200);
}

/**
 * Wires the process's way out: SIGTERM, SIGINT and the parent going away run `stop` once (bounded by `timeoutMs`),
 * then exit 0; a `flush` message from the parent runs `flush` and answers `flushed`.
 */
export function handleLifecycle(options: {
  service: string;
  stop: () => Promise<void>;
  flush: () => Promise<void>;
  timeoutMs?: number;
}): void {
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      process.stderr.write(`${options.service}: shutdown (${reason}) took too long; exiting\n`);
      process.exit(1);
    }, options.timeoutMs ?? 10_000);
    timer.unref();
    options
      .stop()
      .catch((error: unknown) => process.stderr.write(`${options.service}: shutdown failed: ${error}\n`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('disconnect', () => shutdown('parent gone'));
  process.on('message', (message: ParentMessage) => {
    if (message?.type !== 'flush') return;
    options
      .flush()
      .catch(() => {})
      .finally(() => tellParent({ type: 'flushed', service: options.service }));
  });
}

/** Listens on host:port; resolves with the bound port, rejects with the listen error (EADDRINUSE). */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
