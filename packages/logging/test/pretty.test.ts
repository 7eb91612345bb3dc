import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

/** A destination stream that keeps what pino-pretty writes to it. */
function sink(): { stream: Writable & { write(s: string): boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('pretty output through pino-pretty', () => {
  it('prints one readable line per record, with control characters escaped so no line can be forged', async () => {
    const { stream, text } = sink();
    const logger = createLogger({ destination: stream, pretty: { colorize: false } });
    logger.info({ order: 'o-1', note: 'a\nb' }, 'paid\n[12:00:00.000] FATAL: forged line\u001b[2J\r');
    logger.warn('second');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    await new Promise((r) => setImmediate(r));
    const lines = text().split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/INFO/);
    expect(lines[0]).toContain('paid\\n[12:00:00.000] FATAL: forged line\\u001b[2J\\r');
    expect(lines[0]).toContain('"order":"o-1"');
    expect(text()).not.toContain('\u001b');
    expect(lines[1]).toMatch(/WARN.*second/);
  });
});
