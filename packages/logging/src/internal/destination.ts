import { mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { isatty } from 'node:tty';
import { ConfigError } from '@otelkit/core';
import pino, { type DestinationStream } from 'pino';
import type { LogDestination, PrettyOptions } from '../options.js';

const require = createRequire(import.meta.url);

/** The stream pino writes to, built from the destination option. */
export function buildDestination(
  destination: LogDestination | undefined,
  sync: boolean,
  pretty: PrettyOptions | undefined,
): DestinationStream {
  const raw = rawDestination(destination, sync);
  if (pretty === undefined) return raw;
  let build: (options: Record<string, unknown>) => DestinationStream;
  try {
    const mod = require('pino-pretty') as { default?: unknown; build?: unknown };
    build = (typeof mod === 'function' ? mod : (mod.build ?? mod.default)) as typeof build;
  } catch {
    throw new ConfigError([
      { field: 'options.pretty', value: true, expected: 'pino-pretty to be installed (npm i -D pino-pretty@13)' },
    ]);
  }
  const fd = typeof destination === 'number' ? destination : destination === 'stderr' ? 2 : 1;
  const toTerminal =
    destination === undefined ||
    typeof destination === 'number' ||
    destination === 'stdout' ||
    destination === 'stderr';
  const colorize = pretty.colorize ?? (toTerminal && isatty(fd));
  return build({
    destination: raw,
    colorize,
    messageKey: 'message',
    timestampKey: 'timestamp',
    translateTime: 'SYS:HH:MM:ss.l',
    // One line per record: everything beside the message is printed as JSON, so nothing in it can start a new line.
    singleLine: true,
    ignore: 'service,environment,host,version',
    sync,
  });
}

function rawDestination(destination: LogDestination | undefined, sync: boolean): DestinationStream {
  if (destination === undefined || destination === 'stdout') return pino.destination({ fd: 1, sync });
  if (destination === 'stderr') return pino.destination({ fd: 2, sync });
  if (typeof destination === 'number') {
    if (!Number.isInteger(destination) || destination < 0) {
      throw new ConfigError([{ field: 'options.destination', value: destination, expected: 'a file descriptor ≥ 0' }]);
    }
    return pino.destination({ fd: destination, sync });
  }
  if (typeof destination === 'string') {
    if (destination === '') {
      throw new ConfigError([
        {
          field: 'options.destination',
          value: destination,
          expected: "'stdout', 'stderr', a file path, a fd or a stream",
        },
      ]);
    }
    // Opened here, synchronously: an asynchronous open loses every line of a process that exits before it completes.
    mkdirSync(dirname(destination), { recursive: true });
    return pino.destination({ fd: openSync(destination, 'a'), sync });
  }
  if (destination !== null && typeof destination === 'object' && typeof destination.write === 'function') {
    return destination;
  }
  throw new ConfigError([
    {
      field: 'options.destination',
      value: String(destination),
      expected: "'stdout', 'stderr', a file path, a file descriptor or a stream with write()",
    },
  ]);
}
