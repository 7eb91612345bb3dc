/**
 * A FIFO of keys with O(1) amortized push and shift.
 *
 * Why not `map.keys().next()` to find a Map's oldest entry: after many deletions from the front, V8's ordered hash
 * table keeps the deleted slots until it rehashes, and every `keys().next()` walks over them — eviction becomes
 * quadratic under a flood. A separate queue of insertion order avoids it.
 */
export class KeyQueue<K> {
  #items: K[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(key: K): void {
    this.#items.push(key);
  }

  shift(): K | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const key = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return key;
  }
}
