import type { Attributes } from '@opentelemetry/api';

/**
 * A map from attribute sets to values: one trie level per attribute, keyed by attribute key then value, in the
 * caller's key order. Looking up a known set is two Map lookups per attribute on strings whose hashes V8 has cached,
 * with no allocation (no key string is built). A caller that varies its key order reaches the same set under two
 * paths; both hold their own value.
 */
interface TrieNode<T> {
  next?: Map<string, Map<unknown, TrieNode<T>>>;
  value?: T;
}

// Array values (the only non-primitive attribute values) are compared by content.
function valueKey(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? `\u0000${JSON.stringify(v)}` : v;
}

export class AttributeTrie<T> {
  readonly #root: TrieNode<T> = {};
  #size = 0;

  /** Number of attribute sets stored. */
  get size(): number {
    return this.#size;
  }

  get(attributes: Attributes): T | undefined {
    let node: TrieNode<T> | undefined = this.#root;
    for (const k in attributes) {
      node = node.next?.get(k)?.get(valueKey(attributes[k]));
      if (node === undefined) return undefined;
    }
    return node.value;
  }

  set(attributes: Attributes, value: T): void {
    let node = this.#root;
    for (const k in attributes) {
      node.next ??= new Map();
      let byValue = node.next.get(k);
      if (byValue === undefined) {
        byValue = new Map();
        node.next.set(k, byValue);
      }
      const v = valueKey(attributes[k]);
      let child = byValue.get(v);
      if (child === undefined) {
        child = {};
        byValue.set(v, child);
      }
      node = child;
    }
    if (node.value === undefined) this.#size++;
    node.value = value;
  }
}
