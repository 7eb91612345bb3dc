import {
  type Baggage,
  type Context,
  propagation,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { ATTRIBUTE_NAMES, CORRELATION_ID_HEADER, getContext, isValidCorrelationId } from '@otelkit/core';

/** The baggage entry that carries the correlation id (the same name as the span attribute). */
export const CORRELATION_BAGGAGE_KEY = ATTRIBUTE_NAMES.correlation_id;

/** The correlation id a context carries: core's context first, then the baggage entry. */
export function correlationIdOf(ctx: Context): string | undefined {
  const fromCore = getContext()?.correlationId;
  if (fromCore !== undefined) return fromCore;
  const entry = propagation.getBaggage(ctx)?.getEntry(CORRELATION_BAGGAGE_KEY)?.value;
  return isValidCorrelationId(entry) ? entry : undefined;
}

/** `baggage` (or a new one) with the correlation id as its entry, replacing any inbound one. */
export function correlationBaggage(baggage: Baggage | undefined, correlationId: string): Baggage {
  const b = baggage ?? propagation.createBaggage();
  return b.getEntry(CORRELATION_BAGGAGE_KEY)?.value === correlationId
    ? b
    : b.setEntry(CORRELATION_BAGGAGE_KEY, { value: correlationId });
}

/** Returns `ctx` with the correlation id as a baggage entry (replacing any inbound one). */
export function withCorrelationBaggage(ctx: Context, correlationId: string): Context {
  const baggage = propagation.getBaggage(ctx);
  const next = correlationBaggage(baggage, correlationId);
  return next === baggage ? ctx : propagation.setBaggage(ctx, next);
}

/**
 * Sends the current correlation id as `x-correlation-id` on every outbound request the instrumentations propagate
 * through (http, fetch), so the next service continues it; on extraction, a valid inbound `x-correlation-id` becomes
 * the baggage entry. Invalid values (core's rule: 1–128 of `[A-Za-z0-9._:-]`) are never propagated.
 */
export class CorrelationPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const id = correlationIdOf(ctx);
    if (id !== undefined) setter.set(carrier, CORRELATION_ID_HEADER, id);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    let raw = getter.get(carrier, CORRELATION_ID_HEADER);
    if (Array.isArray(raw)) raw = raw[0];
    return isValidCorrelationId(raw) ? withCorrelationBaggage(ctx, raw) : ctx;
  }

  fields(): string[] {
    return [CORRELATION_ID_HEADER];
  }
}
