import { connect } from 'node:net';

/** A request written by hand on a connection of its own, so that any method, target, header or version can be sent. */
export interface RawRequest {
  method: string;
  target: string;
  headers?: Record<string, string>;
  version?: '1.0' | '1.1';
}

/** Sends `r` on a new connection (`connection: close`) and resolves when the server has closed it. */
export function send(port: number, r: RawRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const headers = { host: `127.0.0.1:${port}`, ...r.headers };
    if (r.version === '1.0') delete (headers as Record<string, string>).host;
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
    socket.on('data', () => {});
    socket.on('end', () => resolve());
    socket.on('close', () => resolve());
    socket.on('error', reject);
    socket.write(
      `${r.method} ${r.target} HTTP/${r.version ?? '1.1'}\r\n${lines.join('\r\n')}\r\nconnection: close\r\n\r\n`,
    );
  });
}
