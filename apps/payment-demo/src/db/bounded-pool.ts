import { type AcquireListener, type PoolStats, PoolTimeoutError } from './pool-stats.js';

/** A lease on one slot of a {@link BoundedPool}; `release` is idempotent. */
export interface PoolLease {
  release(): void;
}

interface Waiter {
  resolve(lease: PoolLease): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  since: number;
}

/**
 * A bounded async pool of `max` slots with a FIFO wait queue and an acquisition timeout. PGlite is one embedded
 * instance, so there is nothing to open per connection; what this bounds is how many operations may hold the
 * database at once — which is exactly what exhausts under slow queries, as a real pool would.
 */
export class BoundedPool {
  readonly name: string;
  readonly max: number;
  readonly acquireTimeoutMs: number;
  #used = 0;
  #waiters: Waiter[] = [];
  #closed = false;
  #listeners: AcquireListener[] = [];

  constructor(name: string, max: number, acquireTimeoutMs: number) {
    this.name = name;
    this.max = max;
    this.acquireTimeoutMs = acquireTimeoutMs;
  }

  stats(): PoolStats {
    return { used: this.#used, idle: this.max - this.#used, max: this.max, pending: this.#waiters.length };
  }

  onAcquire(listener: AcquireListener): void {
    this.#listeners.push(listener);
  }

  #emit(waitMs: number, outcome: 'acquired' | 'timeout'): void {
    for (const listener of this.#listeners) {
      try {
        listener(waitMs, outcome);
      } catch {
        // Observers never break the pool.
      }
    }
  }

  #lease(): PoolLease {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const next = this.#waiters.shift();
        if (next) {
          clearTimeout(next.timer);
          this.#emit(performance.now() - next.since, 'acquired');
          next.resolve(this.#lease());
        } else {
          this.#used--;
        }
      },
    };
  }

  /** Waits up to `timeoutMs` (default: the pool's) for a slot; rejects with {@link PoolTimeoutError}. */
  acquire(timeoutMs = this.acquireTimeoutMs): Promise<PoolLease> {
    if (this.#closed) return Promise.reject(new Error(`pool ${this.name} is closed`));
    if (this.#used < this.max) {
      this.#used++;
      this.#emit(0, 'acquired');
      return Promise.resolve(this.#lease());
    }
    return new Promise<PoolLease>((resolve, reject) => {
      const since = performance.now();
      const waiter: Waiter = {
        resolve,
        reject,
        since,
        timer: setTimeout(() => {
          const i = this.#waiters.indexOf(waiter);
          if (i !== -1) this.#waiters.splice(i, 1);
          this.#emit(performance.now() - since, 'timeout');
          reject(new PoolTimeoutError(this.name, timeoutMs, this.stats()));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Rejects every waiter; leases already handed out stay valid until released. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`pool ${this.name} is closed`));
    }
  }
}
