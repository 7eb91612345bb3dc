import { describe, expect, it } from 'vitest';
import { SlabArena } from '../src/store/slab-arena.js';

describe('SlabArena', () => {
  it('hands out 8-byte-aligned regions of one slab until it is full, then takes another', () => {
    const arena = new SlabArena(1024);
    const a = arena.alloc(100);
    const b = arena.alloc(3);
    expect(a.slab).toBeDefined();
    expect(b.memory).toBe(a.memory);
    expect(a.offset).toBe(0);
    expect(b.offset).toBe(104);
    expect(b.offset % 8).toBe(0);
    const rest = [arena.alloc(200), arena.alloc(200), arena.alloc(200), arena.alloc(200)];
    expect(rest.map((r) => r.offset)).toEqual([112, 312, 512, 712]);
    expect(rest.every((r) => r.memory === a.memory)).toBe(true);
    const f = arena.alloc(200); // 912 + 200 > 1024: a second slab
    expect(f.memory).not.toBe(a.memory);
    expect(f.offset).toBe(0);
    expect(arena.slabCount).toBe(2);
  });

  it('gives a region larger than a quarter slab a buffer of its own, which nothing tracks', () => {
    const arena = new SlabArena(1024);
    const big = arena.alloc(257);
    expect(big.slab).toBeUndefined();
    expect(big.memory.byteLength).toBe(257);
    expect(arena.slabCount).toBe(0);
    arena.release(big.slab); // nothing to give back
    expect(arena.slabCount).toBe(0);
  });

  it('reuses a slab once every region in it is given back, and keeps one spare at most', () => {
    const arena = new SlabArena(1024);
    const first = [arena.alloc(250), arena.alloc(250), arena.alloc(250), arena.alloc(250)];
    const second = [arena.alloc(250), arena.alloc(250), arena.alloc(250), arena.alloc(250)];
    expect(second[0]!.memory).not.toBe(first[0]!.memory);
    for (const r of first) arena.release(r.slab);
    // The first slab is empty and not the one being filled: the next slab comes from it.
    const third = arena.alloc(250);
    expect(third.memory).toBe(first[0]!.memory);
    expect(third.offset).toBe(0);
    expect(arena.slabsAllocated).toBe(2);
    // Empty them all: one spare is kept, the other left to the GC.
    for (const r of second) arena.release(r.slab);
    arena.release(third.slab);
    arena.alloc(250); // still room in the current slab (the first)
    expect(arena.slabCount).toBe(2);
    for (let i = 0; i < 8; i++) arena.alloc(250);
    expect(arena.slabsAllocated).toBe(3);
  });

  it('recycles the slab being filled when it is already empty as it fills up', () => {
    const arena = new SlabArena(1024);
    const regions = [arena.alloc(250), arena.alloc(250), arena.alloc(250), arena.alloc(250)];
    expect(regions.map((r) => r.offset)).toEqual([0, 256, 512, 768]);
    for (const r of regions) arena.release(r.slab); // the slab being filled, now empty: still the one being filled
    const next = arena.alloc(250); // does not fit, but the full slab is empty: it is reused at once
    expect(next.memory).toBe(regions[0]!.memory);
    expect(next.offset).toBe(0);
    expect(arena.slabsAllocated).toBe(1);
  });

  it('refuses to give back a region twice (a slab would be reused under a live batch)', () => {
    const arena = new SlabArena(1024);
    const a = arena.alloc(8);
    arena.release(a.slab);
    expect(() => arena.release(a.slab)).toThrow('released twice');
  });
});
