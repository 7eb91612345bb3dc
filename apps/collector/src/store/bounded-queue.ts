/** A fixed-capacity FIFO: pushing onto a full queue evicts and returns the oldest item. */
export class BoundedQueue<T> {
  readonly #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.#size;
  }

  /** Appends an item; returns the evicted oldest item when the queue was full. */
  push(item: T): T | undefined {
    const cap = this.#items.length;
    if (this.#size < cap) {
      this.#items[(this.#head + this.#size) % cap] = item;
      this.#size++;
      return undefined;
    }
    const evicted = this.#items[this.#head];
    this.#items[this.#head] = item;
    this.#head = (this.#head + 1) % cap;
    return evicted;
  }

  /** Newest first. */
  *newestFirst(): IterableIterator<T> {
    const cap = this.#items.length;
    for (let i = this.#size - 1; i >= 0; i--) yield this.#items[(this.#head + i) % cap] as T;
  }

  /** Oldest first. */
  *oldestFirst(): IterableIterator<T> {
    const cap = this.#items.length;
    for (let i = 0; i < this.#size; i++) yield this.#items[(this.#head + i) % cap] as T;
  }
}
