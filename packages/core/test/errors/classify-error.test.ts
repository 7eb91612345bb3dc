import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, classifyError, loadConfig, registerErrorRule } from '../../src/index.js';

const INTEGRATION_RETRY = { severity: 'high', category: 'integration', retryable: true };
const PERFORMANCE_RETRY = { severity: 'high', category: 'performance', retryable: true };

function coded(code: string, message = `failed: ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const sockets = new Set<net.Socket>();

async function listen(server: net.Server): Promise<number> {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

describe('classifyError on real failures', () => {
  const servers: net.Server[] = [];
  let refusedPort = 0;
  let resetPort = 0;
  let partialPort = 0;
  let silentPort = 0;

  beforeAll(async () => {
    const closed = net.createServer();
    refusedPort = await listen(closed);
    await new Promise((r) => closed.close(r));
    const reset = net.createServer((socket) => socket.resetAndDestroy());
    const partial = net.createServer((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Le');
        socket.destroy();
      }),
    );
    const silent = net.createServer(() => {});
    servers.push(reset, partial, silent);
    resetPort = await listen(reset);
    partialPort = await listen(partial);
    silentPort = await listen(silent);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('ECONNREFUSED from a socket: high, integration, retryable', async () => {
    const socket = net.connect(refusedPort, '127.0.0.1');
    const [error] = await once(socket, 'error').catch((e: unknown) => [e]);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(classifyError(error)).toEqual(INTEGRATION_RETRY);
  });

  it('fetch failed with an ECONNREFUSED cause: the cause decides, not the TypeError', async () => {
    const error = await caught(() => fetch(`http://127.0.0.1:${refusedPort}/`));
    expect(error).toBeInstanceOf(TypeError);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(classifyError(error)).toEqual(INTEGRATION_RETRY);
  });

  it('ECONNRESET from an HTTP client: high, integration, retryable', async () => {
    const request = http.get(`http://127.0.0.1:${resetPort}/`);
    const [error] = await once(request, 'error').catch((e: unknown) => [e]);
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(classifyError(error)).toEqual(INTEGRATION_RETRY);
  });

  it('UND_ERR_SOCKET from fetch (the other side closed): integration, retryable', async () => {
    const error = await caught(() => fetch(`http://127.0.0.1:${partialPort}/`));
    expect(((error as Error).cause as { code?: string }).code).toBe('UND_ERR_SOCKET');
    expect(classifyError(error)).toEqual(INTEGRATION_RETRY);
  });

  it('TimeoutError from fetch with AbortSignal.timeout: performance, retryable', async () => {
    const error = await caught(() => fetch(`http://127.0.0.1:${silentPort}/`, { signal: AbortSignal.timeout(50) }));
    expect((error as Error).name).toBe('TimeoutError');
    expect(classifyError(error)).toEqual(PERFORMANCE_RETRY);
  });

  it('TimeoutError as the reason of AbortSignal.timeout', async () => {
    const signal = AbortSignal.timeout(1);
    await once(signal, 'abort');
    expect(classifyError(signal.reason)).toEqual(PERFORMANCE_RETRY);
  });

  it('AbortError from fetch, AbortController and timers: low, runtime, not retryable', async () => {
    const controller = new AbortController();
    controller.abort();
    const fromFetch = await caught(() => fetch(`http://127.0.0.1:${silentPort}/`, { signal: controller.signal }));
    const fromTimers = await caught(() => sleep(10_000, undefined, { signal: controller.signal }));
    for (const error of [fromFetch, controller.signal.reason, fromTimers]) {
      expect((error as Error).name).toBe('AbortError');
      expect(classifyError(error)).toEqual({ severity: 'low', category: 'runtime', retryable: false });
    }
  });

  it('a ConfigError from loadConfig: critical, configuration', () => {
    let error: unknown;
    try {
      loadConfig({ OTEL_TRACES_SAMPLER: 'sometimes' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(classifyError(error)).toEqual({ severity: 'critical', category: 'configuration', retryable: false });
  });
});

describe('classifyError by code, name and status', () => {
  it.each([
    ['ECONNREFUSED', INTEGRATION_RETRY],
    ['ECONNRESET', INTEGRATION_RETRY],
    ['EAI_AGAIN', INTEGRATION_RETRY],
    ['EPIPE', INTEGRATION_RETRY],
    ['ETIMEDOUT', PERFORMANCE_RETRY],
    ['UND_ERR_CONNECT_TIMEOUT', PERFORMANCE_RETRY],
    ['UND_ERR_HEADERS_TIMEOUT', PERFORMANCE_RETRY],
    ['UND_ERR_BODY_TIMEOUT', PERFORMANCE_RETRY],
    ['UND_ERR_SOCKET', INTEGRATION_RETRY],
    ['UND_ERR_CLOSED', INTEGRATION_RETRY],
    ['UND_ERR_RESPONSE_STATUS_CODE', { severity: 'high', category: 'integration', retryable: false }],
    ['ENOTFOUND', { severity: 'high', category: 'configuration', retryable: false }],
    ['EMFILE', { severity: 'critical', category: 'performance', retryable: true }],
    ['ENOMEM', { severity: 'critical', category: 'performance', retryable: false }],
    ['ENOENT', { severity: 'critical', category: 'configuration', retryable: false }],
    ['CERT_HAS_EXPIRED', { severity: 'high', category: 'security', retryable: false }],
  ])('code %s', (code, expected) => {
    expect(classifyError(coded(code))).toEqual(expected);
  });

  it('ZodError and other validation errors: low, logic', () => {
    class ZodError extends Error {
      override name = 'ZodError';
    }
    expect(classifyError(new ZodError('[{"code":"invalid_type"}]'))).toEqual({
      severity: 'low',
      category: 'logic',
      retryable: false,
    });
    expect(classifyError(new SyntaxError('Unexpected token'))).toMatchObject({ category: 'logic' });
  });

  it('security error names: medium, security', () => {
    class JsonWebTokenError extends Error {}
    expect(classifyError(new JsonWebTokenError('jwt malformed'))).toEqual({
      severity: 'medium',
      category: 'security',
      retryable: false,
    });
  });

  it('plain runtime types: high, runtime', () => {
    expect(classifyError(new TypeError('x is not a function'))).toEqual({
      severity: 'high',
      category: 'runtime',
      retryable: false,
    });
  });

  it.each([
    [{ status: 503 }, INTEGRATION_RETRY],
    [{ status: 502 }, INTEGRATION_RETRY],
    [{ statusCode: 500 }, { severity: 'high', category: 'integration', retryable: false }],
    [{ statusCode: 404 }, { severity: 'low', category: 'logic', retryable: false }],
    [{ response: { status: 429 } }, { severity: 'medium', category: 'integration', retryable: true }],
    [{ response: { status: 408 } }, { severity: 'medium', category: 'performance', retryable: true }],
    [{ status: 401 }, { severity: 'medium', category: 'security', retryable: false }],
    [{ status: 403 }, { severity: 'medium', category: 'security', retryable: false }],
    [{ status: '504' }, INTEGRATION_RETRY],
  ])('HTTP status on the error %j', (fields, expected) => {
    expect(classifyError(Object.assign(new Error('upstream said no'), fields))).toEqual(expected);
  });

  it('ignores a status that is not an HTTP status', () => {
    const base = { severity: 'medium', category: 'runtime', retryable: false };
    expect(classifyError(Object.assign(new Error('x'), { status: 42 }))).toEqual(base);
    expect(classifyError(Object.assign(new Error('x'), { status: 'active' }))).toEqual(base);
  });

  it('classifies by the cause chain', () => {
    class PaymentError extends Error {}
    const wrapped = new PaymentError('charge failed', {
      cause: new Error('gateway call failed', { cause: coded('ETIMEDOUT') }),
    });
    expect(classifyError(wrapped)).toEqual(PERFORMANCE_RETRY);
    expect(classifyError(new Error('x', { cause: Object.assign(new Error('y'), { statusCode: 503 }) }))).toEqual(
      INTEGRATION_RETRY,
    );
  });

  it('the outermost specific error wins over its causes', () => {
    const error = Object.assign(new Error('bad request', { cause: coded('ECONNRESET') }), { status: 400 });
    expect(classifyError(error)).toEqual({ severity: 'low', category: 'logic', retryable: false });
  });

  it('defaults: an Error is medium runtime, a non-error is medium logic', () => {
    expect(classifyError(new Error('x'))).toEqual({ severity: 'medium', category: 'runtime', retryable: false });
    expect(classifyError('thrown string')).toEqual({ severity: 'medium', category: 'logic', retryable: false });
    expect(classifyError(null)).toEqual({ severity: 'medium', category: 'logic', retryable: false });
  });
});

describe('registerErrorRule', () => {
  const unregister: Array<() => void> = [];
  const rule = (...args: Parameters<typeof registerErrorRule>) => {
    const off = registerErrorRule(...args);
    unregister.push(off);
    return off;
  };
  afterEach(() => {
    for (const off of unregister.splice(0)) off();
  });

  class CardDeclinedError extends Error {}

  it('an object matcher on the type', () => {
    rule({ match: { type: 'CardDeclinedError' }, severity: 'low', category: 'integration', retryable: false });
    expect(classifyError(new CardDeclinedError('insufficient funds'))).toEqual({
      severity: 'low',
      category: 'integration',
      retryable: false,
    });
    expect(classifyError(new Error('other'))).toEqual({ severity: 'medium', category: 'runtime', retryable: false });
  });

  it('keeps the built-in classification for fields the rule leaves out', () => {
    rule({ match: { code: 'ECONNREFUSED' }, severity: 'critical' });
    expect(classifyError(coded('ECONNREFUSED'))).toEqual({ ...INTEGRATION_RETRY, severity: 'critical' });
  });

  it('matches code and type by RegExp, message by RegExp and status by range; all given fields must match', () => {
    rule({ match: { code: /^PAY_/, message: /ledger/ }, category: 'logic' });
    rule({ match: { type: /Gateway/, status: [500, 599] }, severity: 'critical' });
    expect(classifyError(coded('PAY_42', 'ledger out of balance')).category).toBe('logic');
    expect(classifyError(coded('PAY_42', 'something else')).category).toBe('runtime');
    class GatewayError extends Error {}
    expect(classifyError(Object.assign(new GatewayError('x'), { status: 502 })).severity).toBe('critical');
    expect(classifyError(Object.assign(new GatewayError('x'), { status: 404 })).severity).toBe('low');
    expect(classifyError(new GatewayError('no status')).severity).toBe('medium');
  });

  it('a global RegExp matches every time', () => {
    rule({ match: { message: /ledger/g }, category: 'logic' });
    for (let i = 0; i < 3; i++) expect(classifyError(new Error('ledger broken')).category).toBe('logic');
  });

  it('a function matcher sees the error and its facts', () => {
    const seen: Array<[unknown, unknown]> = [];
    const error = Object.assign(new Error('ledger 42 failed'), { status: 500 });
    rule({
      match: (e, facts) => {
        seen.push([e, facts]);
        return facts.message.startsWith('ledger');
      },
      category: 'logic',
      retryable: true,
    });
    expect(classifyError(error)).toEqual({ severity: 'high', category: 'logic', retryable: true });
    expect(seen[0]).toEqual([error, { type: 'Error', message: 'ledger 42 failed', status: 500 }]);
  });

  it('matches an error in the cause chain', () => {
    rule({ match: { type: 'CardDeclinedError' }, severity: 'low', category: 'integration' });
    expect(classifyError(new Error('charge failed', { cause: new CardDeclinedError('declined') }))).toEqual({
      severity: 'low',
      category: 'integration',
      retryable: false,
    });
  });

  it('a rule that throws matches nothing and does not stop the next rule', () => {
    rule({
      match: () => {
        throw new Error('buggy rule');
      },
      severity: 'critical',
    });
    expect(classifyError(coded('ECONNRESET'))).toEqual(INTEGRATION_RETRY);
    rule({ match: { code: 'ECONNRESET' }, severity: 'low' });
    expect(classifyError(coded('ECONNRESET'))).toEqual({ ...INTEGRATION_RETRY, severity: 'low' });
  });

  it('the first matching rule decides', () => {
    rule({ match: { type: 'CardDeclinedError' }, severity: 'low' });
    rule({ match: { type: 'CardDeclinedError' }, severity: 'critical' });
    expect(classifyError(new CardDeclinedError('x')).severity).toBe('low');
  });

  it('unregistering restores the built-in classification; twice is harmless', () => {
    const off = rule({ match: { code: 'ECONNREFUSED' }, retryable: false, category: 'security' });
    expect(classifyError(coded('ECONNREFUSED'))).toMatchObject({ category: 'security', retryable: false });
    off();
    off();
    expect(classifyError(coded('ECONNREFUSED'))).toEqual(INTEGRATION_RETRY);
  });
});
