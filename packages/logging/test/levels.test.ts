import { ConfigError } from '@otelkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';
import { capture, withEnv } from './support/capture.js';

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('levels from OTELKIT_LOG_LEVEL with per-logger overrides', () => {
  it('applies the default and the overrides by logger name, child names and dotted parents included', () => {
    restore = withEnv({ OTELKIT_LOG_LEVEL: 'warn,payment=debug,pg=error' });
    const out = capture();
    const root = createLogger({ destination: out });
    const payment = createLogger({ destination: out, name: 'payment' });
    const db = payment.child({ name: 'payment.db' });
    const pg = root.child({ name: 'pg' });
    expect([root.level, payment.level, db.level, pg.level]).toEqual(['warn', 'debug', 'debug', 'error']);
    root.info('root info');
    root.warn('root warn');
    payment.debug('payment debug');
    db.debug('db debug');
    pg.warn('pg warn');
    pg.error('pg error');
    expect(out.records().map((r) => r.message)).toEqual(['root warn', 'payment debug', 'db debug', 'pg error']);
    expect(out.records().map((r) => (r.context as { logger?: string } | undefined)?.logger)).toEqual([
      undefined,
      'payment',
      'payment.db',
      'pg',
    ]);
  });

  it('lets code win over the environment, and supports changing the level at run time', () => {
    restore = withEnv({ OTELKIT_LOG_LEVEL: 'error' });
    const out = capture();
    const logger = createLogger({ destination: out, level: 'info' });
    const child = logger.child({ a: 1 });
    const own = logger.child({ b: 1 }, { level: 'fatal' });
    logger.info('info shown');
    own.error('own level hides error');
    logger.level = 'warn';
    child.info('child follows its parent');
    child.warn('child warn shown');
    expect(out.records().map((r) => r.message)).toEqual(['info shown', 'child warn shown']);
    expect([logger.level, child.level, own.level]).toEqual(['warn', 'warn', 'fatal']);
    expect(logger.isLevelEnabled('warn')).toBe(true);
    expect(logger.isLevelEnabled('info')).toBe(false);
  });

  it('raises one ConfigError naming the variable or option, the value and what is accepted', () => {
    restore = withEnv({ OTELKIT_LOG_LEVEL: 'loud' });
    expect(() => createLogger({ destination: capture() })).toThrow(/OTELKIT_LOG_LEVEL="loud": expected a level/);
    restore();
    restore = withEnv({ OTELKIT_LOG_LEVEL: undefined });
    let error: unknown;
    try {
      createLogger({
        destination: 12.5,
        level: 'verbose' as 'info',
        maxStringLength: -1,
        debugSampleRatio: 2,
        otlp: { maxQueueSize: 0 },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const fields = (error as ConfigError).problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'options.destination',
        'options.level',
        'options.maxStringLength',
        'options.debugSampleRatio',
        'options.otlp.maxQueueSize',
      ]),
    );
    expect(() => createLogger({ destination: 12.5 })).toThrow(ConfigError);
  });
});
