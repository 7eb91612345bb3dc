/**
 * Memory for stored trace exports, carved out of a few large reused buffers ("slabs") instead of one new ArrayBuffer
 * per export.
 *
 * Why: V8 counts array-buffer memory allocated since the last full GC against the old generation's limit. A collector
 * that kept each export's request bytes and index columns in buffers of their own allocated about 10 MB of them per
 * 100 ms under load, and that alone started a mark-compact every ~110 ms (a fifth of its CPU time). Slabs are
 * allocated once and reused once every batch in them is let go, so storing an export allocates nothing V8 counts.
 *
 * Stored batches leave roughly in the order they came (whole traces are evicted oldest first), so a slab empties soon
 * after it fills. A request too large for a slab gets a buffer of its own, as before.
 */

/** One slab: its memory, how much of it is handed out, and how many regions in it are still in use. */
export interface Slab {
  readonly memory: ArrayBuffer;
  used: number;
  live: number;
}

/** A region handed out by {@link SlabArena.alloc}: the requested bytes of `memory` from `offset` (8-byte aligned). */
export interface Region {
  readonly memory: ArrayBuffer;
  readonly offset: number;
  /** The slab to give back with {@link SlabArena.release}; undefined for a region with a buffer of its own. */
  readonly slab: Slab | undefined;
}

/** Default slab size: ten 512-span exports (≈ 200 KiB each with their index). */
export const SLAB_BYTES = 2 * 1024 * 1024;
/** An emptied slab kept for reuse beyond the one being filled; more are left to the GC. */
const KEEP_FREE = 1;

export class SlabArena {
  #current: Slab | undefined;
  readonly #free: Slab[] = [];
  #slabs = 0;
  #allocated = 0;

  constructor(readonly slabBytes = SLAB_BYTES) {}

  /** Slabs allocated and not yet left to the GC (in use or kept for reuse). */
  get slabCount(): number {
    return this.#slabs;
  }

  /** Slabs allocated so far, reused ones counted once. */
  get slabsAllocated(): number {
    return this.#allocated;
  }

  /** A region of `bytes` bytes (uninitialized when it comes from a reused slab). */
  alloc(bytes: number): Region {
    const size = (bytes + 7) & ~7;
    if (size > this.slabBytes / 4) return { memory: new ArrayBuffer(bytes), offset: 0, slab: undefined };
    let slab = this.#current;
    if (!slab || slab.used + size > slab.memory.byteLength) {
      if (slab && slab.live === 0) this.#recycle(slab);
      slab = this.#free.pop() ?? this.#newSlab();
      slab.used = 0;
      this.#current = slab;
    }
    const offset = slab.used;
    slab.used += size;
    slab.live++;
    return { memory: slab.memory, offset, slab };
  }

  /** Gives back a region from {@link alloc}; its slab is reused once none of its regions is in use. */
  release(slab: Slab | undefined): void {
    if (!slab) return;
    if (slab.live <= 0) throw new Error('slab region released twice');
    if (--slab.live === 0 && slab !== this.#current) this.#recycle(slab);
  }

  #newSlab(): Slab {
    this.#slabs++;
    this.#allocated++;
    return { memory: new ArrayBuffer(this.slabBytes), used: 0, live: 0 };
  }

  #recycle(slab: Slab): void {
    if (this.#free.length < KEEP_FREE) this.#free.push(slab);
    else this.#slabs--;
  }
}
