import { type LogRecord, onRecord, runWithContext } from '@otelkit/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';
import { capture, schemaErrors } from './support/capture.js';

describe('record hooks (how @otelkit/errors gets breadcrumbs without importing logging)', () => {
  it('publishes each written record, redacted, with the same fields as the line', () => {
    const out = capture();
    const logger = createLogger({ destination: out, level: 'info' });
    const seen: LogRecord[] = [];
    const off = onRecord((record) => seen.push(record));
    try {
      runWithContext({ correlationId: 'req-hooks' }, () => {
        logger.info({ password: 'hunter2', amount: 5 }, 'charge %s', 'started');
        logger.debug('filtered out by the level: not written, not published');
        logger.error(new Error('declined'));
      });
    } finally {
      off();
    }
    logger.info('after unsubscribing');
    expect(seen).toHaveLength(2);
    const lines = out.records();
    expect(seen[0]).toEqual(lines[0]);
    expect(seen[0]).toMatchObject({
      message: 'charge started',
      correlation_id: 'req-hooks',
      context: { password: '[REDACTED]' },
    });
    expect(seen[1]).toMatchObject({ level: 'ERROR', message: 'declined', error: { type: 'Error' } });
    expect(seen[1]?.timestamp).toBe(lines[1]?.timestamp);
    for (const record of seen) expect(schemaErrors(JSON.parse(JSON.stringify(record)))).toEqual([]);
  });

  it('keeps logging when a listener throws', () => {
    const out = capture();
    const logger = createLogger({ destination: out });
    const off = onRecord(() => {
      throw new Error('listener bug');
    });
    try {
      logger.info('still written');
    } finally {
      off();
    }
    expect(out.records().map((r) => r.message)).toEqual(['still written']);
  });
});
