import { type Context, type Span, trace } from '@opentelemetry/api';
import { contextKeys } from './context-keys.js';

/**
 * `trace.setSpan(parent, span)`, read for read, without copying the parent's values: the span is one field over the
 * parent. Setting or deleting a value builds the ordinary context once.
 */
class SpanLayer implements Context {
  readonly #key: symbol;
  readonly #parent: Context;
  readonly #span: Span;
  #flat: Context | undefined;

  constructor(key: symbol, parent: Context, span: Span) {
    this.#key = key;
    this.#parent = parent;
    this.#span = span;
  }

  getValue(key: symbol): unknown {
    return key === this.#key ? this.#span : this.#parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    this.#flat ??= this.#parent.setValue(this.#key, this.#span);
    return this.#flat.setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    this.#flat ??= this.#parent.setValue(this.#key, this.#span);
    return this.#flat.deleteValue(key);
  }
}

/** `parent` with `span` as its active span (see {@link SpanLayer}). */
export function withActiveSpan(parent: Context, span: Span): Context {
  const keys = contextKeys();
  return keys === null ? trace.setSpan(parent, span) : new SpanLayer(keys.span, parent, span);
}
