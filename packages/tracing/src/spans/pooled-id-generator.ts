import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

const POOL_BYTES = 4096;
const ZERO_SPAN_ID = '0000000000000000';
const ZERO_TRACE_ID = '00000000000000000000000000000000';

/** An id generator that can tell the trace id its next `generateTraceId()` returns. */
export interface PeekingIdGenerator extends IdGenerator {
  /**
   * The trace id the next `generateTraceId()` call returns: drawn now if none is waiting, and the same until that call
   * takes it. Span ids are drawn independently, so `generateSpanId()` in between does not change it.
   */
  peekTraceId(): string;
}

/**
 * Trace and span ids from a pool of random bytes: 4 KiB from `crypto.randomFillSync` are hex-encoded at once and
 * each id is a slice of that string — about a fifth of the cost of the SDK's `RandomIdGenerator`, which writes
 * `Math.random()` words into a buffer and hex-encodes it for every id (two ids for every new trace). The ids are
 * still 32 and 16 lower-case hex digits, never all zero, and drawn from a cryptographic source.
 */
class PooledIdGenerator implements PeekingIdGenerator {
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #hex = '';
  #offset = 0;
  #nextTraceId: string | undefined;

  #next(chars: number): string {
    if (this.#offset + chars > this.#hex.length) {
      randomFillSync(this.#pool);
      this.#hex = this.#pool.toString('hex');
      this.#offset = 0;
    }
    const id = this.#hex.slice(this.#offset, this.#offset + chars);
    this.#offset += chars;
    return id;
  }

  generateTraceId(): string {
    const waiting = this.#nextTraceId;
    if (waiting !== undefined) {
      this.#nextTraceId = undefined;
      return waiting;
    }
    return this.#draw();
  }

  peekTraceId(): string {
    this.#nextTraceId ??= this.#draw();
    return this.#nextTraceId;
  }

  #draw(): string {
    const id = this.#next(32);
    return id === ZERO_TRACE_ID ? this.#draw() : id;
  }

  generateSpanId(): string {
    const id = this.#next(16);
    return id === ZERO_SPAN_ID ? this.generateSpanId() : id;
  }
}

/** Creates the pooled id generator (see {@link PooledIdGenerator}). */
export function createPooledIdGenerator(): PeekingIdGenerator {
  return new PooledIdGenerator();
}
