import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hostPort, samplingAttributes } from '../src/instrumentations/http-server-attributes.js';

// hostPort remembers the last Host value it parsed; whatever the order of the inputs, each must give what the
// stock instrumentation's parsing gives (these expectations are its results).
const HOSTS: [string, string | undefined, { host: string; port?: string }][] = [
  ['127.0.0.1:3000', 'http', { host: '127.0.0.1', port: '3000' }],
  ['127.0.0.1:3000', 'https', { host: '127.0.0.1', port: '3000' }],
  ['example.com', 'http', { host: 'example.com', port: '80' }],
  ['example.com', 'https', { host: 'example.com', port: '443' }],
  ['example.com', undefined, { host: 'example.com' }],
  ['example.com', 'ftp', { host: 'example.com' }],
  ['[::1]:8080', 'http', { host: '[::1]', port: '8080' }],
  ['[::1]', 'http', { host: '[::1]', port: '80' }],
  ['[::1]', 'https', { host: '[::1]', port: '443' }],
  ['[::1]', undefined, { host: '[::1]' }],
  ['[2001:db8::1]:443', 'https', { host: '[2001:db8::1]', port: '443' }],
  ['::1', 'http', { host: '::1' }],
  ['a:b:c', 'http', { host: 'a:b:c' }],
  ['host:', 'http', { host: 'host', port: '' }],
  [':80', 'http', { host: '', port: '80' }],
  ['[::1]x', 'https', { host: '[::1]x' }],
];

describe('hostPort', () => {
  it('parses every Host shape as the stock instrumentation does, in any order and repeated', () => {
    const order = [...HOSTS, ...[...HOSTS].reverse(), ...HOSTS.flatMap((c) => [c, c, c])];
    for (const [host, proto, expected] of order) {
      // A new string each time, as each request's header is.
      const fresh = host.split('').join('');
      expect(hostPort(fresh, proto), `${host} ${proto}`).toEqual(expected);
    }
  });
});

function request(host: string | undefined, scheme = 'http'): [IncomingMessage, string] {
  const headers: Record<string, string> = host === undefined ? {} : { host };
  return [{ method: 'GET', url: '/', headers, socket: {} } as unknown as IncomingMessage, scheme];
}

describe('samplingAttributes', () => {
  it('gives each request its own server address and port when the Host header changes or repeats', () => {
    const cases: [[IncomingMessage, string], Record<string, unknown>][] = [
      [request('127.0.0.1:3000'), { 'server.address': '127.0.0.1', 'server.port': 3000 }],
      [request('127.0.0.1:3000'), { 'server.address': '127.0.0.1', 'server.port': 3000 }],
      [request('shop.example'), { 'server.address': 'shop.example', 'server.port': 80 }],
      [request('shop.example', 'https'), { 'server.address': 'shop.example', 'server.port': 443 }],
      [request(undefined), {}],
      [request('127.0.0.1:3000'), { 'server.address': '127.0.0.1', 'server.port': 3000 }],
      [request('[::1]:8080'), { 'server.address': '[::1]', 'server.port': 8080 }],
    ];
    for (const [[req, scheme], server] of [...cases, ...cases]) {
      expect(samplingAttributes(req, scheme)).toEqual({
        'http.request.method': 'GET',
        'url.scheme': scheme,
        'url.path': '/',
        ...server,
      });
    }
  });
});
