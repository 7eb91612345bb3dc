import {
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';

const MAX_MEMBERS = 32;
const MAX_LENGTH = 512;
const LONG_MEMBER = 128;
// W3C Trace Context §3.3.1.3: simple-key / tenant@system keys; 1–256 value characters, no `,` or `=`, not ending
// in a space.
const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * Parses a `tracestate` header by the specification's rules, which are stricter than the SDK's lenient parser: a
 * header with an invalid member, a duplicated key or more than 32 members is discarded whole (the SDK keeps the
 * valid members or the first 32). A header over 512 characters is truncated as §3.3.1.5 says: members longer than
 * 128 characters go first, then members from the end. Returns undefined when nothing may be propagated.
 */
export function parseTraceState(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const header = Array.isArray(raw) ? raw.join(',') : raw;
  const members: string[] = [];
  const keys = new Set<string>();
  for (const part of header.split(',')) {
    const member = part.replace(/^[ \t]+|[ \t]+$/g, '');
    if (member === '') continue; // empty list members are allowed and ignored
    const eq = member.indexOf('=');
    if (eq <= 0) return undefined;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!KEY.test(key) || !VALUE.test(value) || keys.has(key)) return undefined;
    keys.add(key);
    members.push(member);
    if (members.length > MAX_MEMBERS) return undefined;
  }
  if (members.length === 0) return undefined;
  let kept = members;
  const length = (list: string[]) => list.reduce((n, m) => n + m.length, 0) + Math.max(0, list.length - 1);
  if (length(kept) > MAX_LENGTH) kept = kept.filter((m) => m.length <= LONG_MEMBER);
  while (kept.length > 0 && length(kept) > MAX_LENGTH) kept = kept.slice(0, -1);
  return kept.length > 0 ? kept.join(',') : undefined;
}

/**
 * W3C `traceparent`/`tracestate` propagation that follows the specification exactly on extraction: the SDK's
 * traceparent parser (which rejects version `ff`, all-zero ids, wrong lengths, upper-case hex and extra fields on
 * version 00, and accepts higher versions with extra fields) plus {@link parseTraceState}. Injection is the SDK's.
 */
export class StrictTraceContextPropagator implements TextMapPropagator {
  readonly #inner = new W3CTraceContextPropagator();

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    this.#inner.inject(ctx, carrier, setter);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.#inner.extract(ctx, carrier, getter);
    const spanContext = trace.getSpanContext(extracted);
    if (spanContext === undefined || extracted === ctx) return extracted;
    const state = parseTraceState(getter.get(carrier, 'tracestate'));
    if (state === undefined) {
      delete spanContext.traceState;
    } else {
      spanContext.traceState = new TraceState(state);
    }
    return extracted;
  }

  fields(): string[] {
    return this.#inner.fields();
  }
}
