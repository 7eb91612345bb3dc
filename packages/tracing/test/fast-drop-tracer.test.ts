import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { suppressTracing, TraceState } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastDropTracerProvider } from '../src/spans/fast-drop-tracer.js';
import { createPooledIdGenerator } from '../src/spans/pooled-id-generator.js';
import { TraceIdRatioSampler } from '../src/spans/trace-id-ratio-sampler.js';

// Spans the sampler drops are made without the SDK; every other span is the SDK's. Whichever path a span takes, the
// decision, ids, flags and trace state must be what the SDK alone would give — in particular a recorded new trace must
// carry the trace id the sampler decided on, or a ratio sampler would sample the square of its ratio.

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const STATE = new TraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');

function remoteParent(flags: TraceFlags, traceState?: TraceState): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: PARENT_ID,
    traceFlags: flags,
    isRemote: true,
    ...(traceState ? { traceState } : {}),
  });
}

const SAMPLERS: [string, () => Sampler][] = [
  ['always_on', () => new AlwaysOnSampler()],
  ['always_off', () => new AlwaysOffSampler()],
  ['traceidratio 0.3', () => new TraceIdRatioSampler(0.3)],
  ['parentbased_always_on', () => new ParentBasedSampler({ root: new AlwaysOnSampler() })],
  ['parentbased_always_off', () => new ParentBasedSampler({ root: new AlwaysOffSampler() })],
  ['parentbased_traceidratio 0.3', () => new ParentBasedSampler({ root: new TraceIdRatioSampler(0.3) })],
];

const PARENTS: [string, Context][] = [
  ['no parent', ROOT_CONTEXT],
  ['a sampled remote parent', remoteParent(TraceFlags.SAMPLED, STATE)],
  ['an unsampled remote parent', remoteParent(TraceFlags.NONE, STATE)],
  [
    'an invalid parent',
    trace.setSpanContext(ROOT_CONTEXT, { traceId: '0'.repeat(32), spanId: PARENT_ID, traceFlags: 1 }),
  ],
];

function setUp(sampler: Sampler) {
  const exporter = new InMemorySpanExporter();
  const ids = createPooledIdGenerator();
  const provider = new BasicTracerProvider({
    sampler,
    idGenerator: ids,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const fast = fastDropTracerProvider(provider, sampler, ids).getTracer('test');
  return { exporter, fast, provider };
}

describe('peekTraceId', () => {
  it('tells the trace id the next generateTraceId returns, whatever span ids are drawn in between', () => {
    const ids = createPooledIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const peeked = ids.peekTraceId();
      expect(ids.peekTraceId()).toBe(peeked);
      ids.generateSpanId();
      expect(ids.generateTraceId()).toBe(peeked);
      seen.add(peeked);
      // And without a peek, a new id each time.
      seen.add(ids.generateTraceId());
    }
    expect(seen.size).toBe(6000);
  });
});

describe('fast-drop tracer', () => {
  // A registered Node provider brings the AsyncLocalStorage context manager that startActiveSpan needs.
  beforeAll(() => {
    new NodeTracerProvider().register();
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  for (const [samplerName, make] of SAMPLERS) {
    for (const [parentName, parent] of PARENTS) {
      it(`${samplerName}, ${parentName}: the decision, ids, flags and trace state the SDK gives`, async () => {
        const { exporter, fast, provider } = setUp(make());
        // A second sampler of the same kind, asked afresh, is the reference for every span's decision.
        const reference = make();
        const parentContext = trace.getSpanContext(parent);
        const validParent = parentContext !== undefined && parentContext.traceId !== '0'.repeat(32);
        const options: SpanOptions = { kind: SpanKind.SERVER };
        const spans: Span[] = [];
        for (let i = 0; i < 2000; i++) spans.push(fast.startSpan('GET', options, parent));
        const spanIds = new Set<string>();
        let recorded = 0;
        let dropped: Span | undefined;
        for (const span of spans) {
          const sc = span.spanContext();
          expect(sc.traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(sc.spanId).toMatch(/^[0-9a-f]{16}$/);
          spanIds.add(sc.spanId);
          if (validParent) expect(sc.traceId).toBe(TRACE_ID);
          const expected = reference.shouldSample(parent, sc.traceId, 'GET', SpanKind.SERVER, {}, []).decision;
          expect(span.isRecording()).toBe(expected !== SamplingDecision.NOT_RECORD);
          expect(sc.traceFlags).toBe(
            expected === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
          );
          expect(sc.traceState?.serialize()).toBe(validParent ? STATE.serialize() : undefined);
          if (span.isRecording()) recorded++;
          else dropped ??= span;
          span.end();
        }
        expect(spanIds.size).toBe(spans.length);
        // Every recorded span is one the SDK made and exported, with the parent it was given.
        const finished: ReadableSpan[] = exporter.getFinishedSpans();
        expect(finished).toHaveLength(recorded);
        for (const s of finished) expect(s.parentSpanContext?.spanId).toBe(validParent ? PARENT_ID : undefined);
        if (samplerName.includes('0.3') && !validParent) {
          // The ratio holds for new traces: 600 of 2000 expected; a double draw would give about 180.
          expect(recorded).toBeGreaterThan(480);
          expect(recorded).toBeLessThan(720);
        }
        // A dropped span is the SDK's kind of non-recording span, with the same fields.
        if (dropped) {
          const theirs = new BasicTracerProvider({ sampler: new AlwaysOffSampler() })
            .getTracer('test')
            .startSpan('GET', options, parent);
          expect(dropped.constructor).toBe(theirs.constructor);
          expect(Object.keys(dropped.spanContext()).sort()).toEqual(Object.keys(theirs.spanContext()).sort());
        }
        await provider.shutdown();
      });
    }
  }

  it('leaves suppressed tracing, root spans and links to the SDK', async () => {
    const { fast, provider } = setUp(new ParentBasedSampler({ root: new AlwaysOffSampler() }));
    const suppressed = fast.startSpan('x', {}, suppressTracing(remoteParent(TraceFlags.SAMPLED)));
    expect(trace.isSpanContextValid(suppressed.spanContext())).toBe(false);
    // root: the sampled parent is ignored, and the root sampler (always off) drops the span.
    const root = fast.startSpan('x', { root: true }, remoteParent(TraceFlags.SAMPLED));
    expect(root.isRecording()).toBe(false);
    expect(root.spanContext().traceId).not.toBe(TRACE_ID);
    const child = fast.startSpan('x', {}, remoteParent(TraceFlags.SAMPLED));
    expect(child.isRecording()).toBe(true);
    const linked = fast.startSpan(
      'x',
      { links: [{ context: trace.getSpanContext(remoteParent(1)) as never }] },
      remoteParent(TraceFlags.SAMPLED),
    );
    expect(linked.isRecording()).toBe(true);
    expect((linked as unknown as ReadableSpan).links).toHaveLength(1);
    child.end();
    linked.end();
    await provider.shutdown();
  });

  it('startActiveSpan takes the SDK forms of arguments and makes the span active for the callback', async () => {
    const { fast, provider } = setUp(new AlwaysOnSampler());
    const parent = remoteParent(TraceFlags.SAMPLED);
    const seen: (string | undefined)[] = [];
    const record = (span: Span) => {
      seen.push(trace.getActiveSpan() === span ? span.spanContext().traceId : 'not active');
      span.end();
      return span;
    };
    const a = fast.startActiveSpan('a', record);
    const b = fast.startActiveSpan('b', { kind: SpanKind.CLIENT }, record);
    const c = fast.startActiveSpan('c', {}, parent, record);
    expect((b as unknown as ReadableSpan).kind).toBe(SpanKind.CLIENT);
    expect(c.spanContext().traceId).toBe(TRACE_ID);
    expect(seen).toEqual([a.spanContext().traceId, b.spanContext().traceId, TRACE_ID]);
    // The SDK returns undefined when no callback is given.
    expect((fast.startActiveSpan as (name: string) => unknown)('d')).toBeUndefined();
    await provider.shutdown();
  });

  it('gives one tracer per SDK tracer', () => {
    const sampler = new AlwaysOnSampler();
    const ids = createPooledIdGenerator();
    const provider = new BasicTracerProvider({ sampler, idGenerator: ids });
    const tracers = fastDropTracerProvider(provider, sampler, ids);
    expect(tracers.getTracer('a', '1')).toBe(tracers.getTracer('a', '1'));
    expect(tracers.getTracer('a', '1')).not.toBe(tracers.getTracer('b', '1'));
  });

  it('decides with our ratio sampler exactly as the SDK ratio sampler would', () => {
    // The reference above is our own sampler; this ties a run of decisions to the SDK's own class too.
    const { fast } = setUp(new TraceIdRatioSampler(0.5));
    const sdkSampler = new TraceIdRatioBasedSampler(0.5);
    for (let i = 0; i < 500; i++) {
      const span = fast.startSpan('x', {}, ROOT_CONTEXT);
      const d = sdkSampler.shouldSample(ROOT_CONTEXT, span.spanContext().traceId).decision;
      expect(span.isRecording()).toBe(d === SamplingDecision.RECORD_AND_SAMPLED);
      span.end();
    }
  });
});
