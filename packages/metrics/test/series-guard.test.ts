import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OVERFLOW_ATTRIBUTES, SeriesGuard } from '../src/guard/series-guard.js';
import { captureWarnings } from './support.js';

const policy = (limit: number, allowed: string[] = []) => ({ cardinalityLimit: limit, allowedKeys: new Set(allowed) });

describe('SeriesGuard', () => {
  let quiet: ReturnType<typeof captureWarnings> | undefined;
  beforeEach(() => {
    quiet = captureWarnings();
  });
  afterEach(() => quiet?.restore());

  it('admits limit - 1 attribute sets, then maps new ones to the overflow set while known ones pass', () => {
    const warnings = captureWarnings();
    try {
      const guard = new SeriesGuard('jobs', policy(3));
      const a = { queue: 'a' };
      expect(guard.admit(a)).toBe(a);
      expect(guard.admit({ queue: 'b' })).toEqual({ queue: 'b' });
      expect(guard.admit({ queue: 'c' })).toBe(OVERFLOW_ATTRIBUTES);
      expect(guard.admit({ queue: 'd' })).toBe(OVERFLOW_ATTRIBUTES);
      expect(guard.admit({ queue: 'a' })).toEqual({ queue: 'a' });
      expect(guard.admit({ queue: 'b' })).toEqual({ queue: 'b' });
      expect(warnings.lines.filter((l) => l.includes('metrics.cardinality.jobs'))).toHaveLength(1);
    } finally {
      warnings.restore();
    }
  });

  it('tells values of different types apart and counts the empty set once', () => {
    const guard = new SeriesGuard('codes', policy(4));
    expect(guard.admit({ code: 200 })).toEqual({ code: 200 });
    expect(guard.admit({ code: '200' })).toEqual({ code: '200' });
    expect(guard.admit({})).toEqual({});
    expect(guard.admit({})).toEqual({});
    expect(guard.admit(undefined)).toBeUndefined();
    expect(guard.admit({ code: true })).toBe(OVERFLOW_ATTRIBUTES);
  });

  it('drops refused keys, so many user ids make one series, not many', () => {
    const warnings = captureWarnings();
    try {
      const guard = new SeriesGuard('logins', policy(3));
      for (let i = 0; i < 1000; i++) {
        expect(guard.admit({ outcome: 'ok', 'user.id': `u${i}` })).toEqual({ outcome: 'ok' });
      }
      expect(guard.admit({ outcome: 'failed' })).toEqual({ outcome: 'failed' });
      expect(warnings.lines.filter((l) => l.includes('user.id'))).toHaveLength(1);
    } finally {
      warnings.restore();
    }
  });

  it('never admits more than the limit whatever the key order (it can only be stricter)', () => {
    const guard = new SeriesGuard('order', policy(3));
    expect(guard.admit({ a: 1, b: 2 })).toEqual({ a: 1, b: 2 });
    expect(guard.admit({ b: 2, a: 1 })).toEqual({ b: 2, a: 1 });
    expect(guard.admit({ a: 2, b: 2 })).toBe(OVERFLOW_ATTRIBUTES);
  });
});
