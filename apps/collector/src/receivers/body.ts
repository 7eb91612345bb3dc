import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

/** A request refused with an HTTP status; `reason` keys the refusal counter. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface BodyLimits {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
}

/**
 * Reads a request body, refusing more than `maxBodyBytes` on the wire (413) and, for gzip/deflate/br bodies, more
 * than `maxDecompressedBytes` after decompression (413) — zlib stops at the limit, so a gzip bomb costs at most that.
 */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
    throw new HttpError(
      413,
      'too_large',
      `request body of ${declared} bytes exceeds the limit of ${limits.maxBodyBytes}`,
    );
  }
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (!['identity', '', 'gzip', 'x-gzip', 'deflate', 'br'].includes(encoding)) {
    throw new HttpError(
      415,
      'unsupported_encoding',
      `content-encoding '${encoding}' is not supported (gzip, deflate, br)`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) {
        req.off('data', onData);
        chunks.length = 0;
        reject(new HttpError(413, 'too_large', `request body exceeds the limit of ${limits.maxBodyBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', (err) => reject(new HttpError(400, 'aborted', `request stream failed: ${err.message}`)));
  });
  if (encoding === 'identity' || encoding === '') return raw;
  const options = { maxOutputLength: limits.maxDecompressedBytes };
  try {
    if (encoding === 'br') return await brotliAsync(raw, options);
    if (encoding === 'deflate') return await inflateAsync(raw, options);
    return await gunzipAsync(raw, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(
        413,
        'too_large',
        `decompressed body exceeds the limit of ${limits.maxDecompressedBytes} bytes`,
      );
    }
    throw new HttpError(400, 'bad_encoding', `body is not valid ${encoding}: ${(error as Error).message}`);
  }
}

/** The media type of a request, lower case, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}
