import { setTimeout as sleep } from 'node:timers/promises';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { getContext, runWithContext, setOtelkitContext, updateContext } from '../../src/index.js';

// With an OpenTelemetry context manager registered, the otelkit context rides in the OpenTelemetry context (one
// AsyncLocalStorage per request). Everything observable must stay the same as with core's own storage.
afterEach(() => context.disable());

describe('otelkit context inside the OpenTelemetry context', () => {
  it('propagates across awaits and timers, and nests with inheritance', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    await runWithContext({ correlationId: 'req-1', userId: 'u-1' }, async () => {
      await sleep(1);
      expect(getContext()).toEqual({ correlationId: 'req-1', userId: 'u-1' });
      // visible to the OpenTelemetry API: the same context object any instrumentation forks
      const forked = context.active();
      await context.with(forked, async () => {
        await runWithContext({ sessionId: 's-1' }, async () => {
          await sleep(1);
          expect(getContext()).toEqual({ correlationId: 'req-1', userId: 'u-1', sessionId: 's-1' });
        });
      });
      expect(updateContext({ userId: 'u-2' })).toBe(true);
      expect(getContext()?.userId).toBe('u-2');
    });
    expect(getContext()).toBeUndefined();
  });

  it('keeps concurrent requests apart', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const seen = await Promise.all(
      ['a', 'b', 'c'].map((id, i) =>
        runWithContext({ correlationId: `req-${id}` }, async () => {
          await sleep(5 - i);
          return getContext()?.correlationId;
        }),
      ),
    );
    expect(seen).toEqual(['req-a', 'req-b', 'req-c']);
  });

  it('setOtelkitContext puts the correlation into a context an instrumentation enters once', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const ctx = setOtelkitContext(ROOT_CONTEXT, { correlationId: 'req-span' });
    expect(getContext()).toBeUndefined();
    await context.with(ctx, async () => {
      await sleep(1);
      expect(getContext()?.correlationId).toBe('req-span');
    });
    // an invalid id never propagates
    const bad = setOtelkitContext(ROOT_CONTEXT, { correlationId: 'a\r\nb' });
    context.with(bad, () => expect(getContext()?.correlationId).toMatch(/^[0-9a-f-]{36}$/));
  });

  it('falls back to core storage when the manager is disabled, and finds a context set before the SDK started', async () => {
    await runWithContext({ correlationId: 'before-sdk' }, async () => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      await sleep(1);
      expect(getContext()?.correlationId).toBe('before-sdk');
      await runWithContext({ userId: 'u-9' }, async () => {
        await sleep(1);
        expect(getContext()).toEqual({ correlationId: 'before-sdk', userId: 'u-9' });
      });
      context.disable();
      expect(getContext()?.correlationId).toBe('before-sdk');
    });
  });
});
