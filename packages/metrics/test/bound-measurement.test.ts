import { type Attributes, diag } from '@opentelemetry/api';
import {
  AggregationTemporality,
  AggregationType,
  createAllowListAttributesProcessor,
  type DataPoint,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindInstrument, GuardedMeterProvider } from '../src/guard/guarded-provider.js';
import { SeriesGuard } from '../src/guard/series-guard.js';
import { bindMeasurement } from '../src/internal/bound-measurement.js';
import { captureWarnings } from './support.js';

// The guarded instruments record known attribute sets straight into the SDK's aggregation cell (no attribute
// hashing). These tests feed the same measurements to that path and to the plain SDK path (guard + SDK record, what
// the guarded meter did before) and require the collected data to be identical, collection after collection.

class Reader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const LIMIT = 6;

function sdk(temporality: AggregationTemporality): { provider: MeterProvider; reader: Reader } {
  const reader = new Reader({ aggregationTemporalitySelector: () => temporality });
  // The view startMetrics() registers (it gives every storage the SDK's no-op attributes processor).
  const provider = new MeterProvider({
    readers: [reader],
    views: [{ instrumentName: '*', aggregationCardinalityLimit: LIMIT + 1 }],
  });
  return { provider, reader };
}

/** Collected data without timestamps (two providers never share a clock reading), in a stable order. */
async function data(reader: Reader): Promise<unknown[]> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return (resourceMetrics as ResourceMetrics).scopeMetrics.flatMap((s) =>
    s.metrics.map((m) => ({
      name: m.descriptor.name,
      temporality: m.aggregationTemporality,
      points: (m.dataPoints as DataPoint<unknown>[])
        .map((p) => ({ attributes: p.attributes, value: p.value }))
        .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))),
    })),
  );
}

const frozen = Object.freeze({ route: '/payments/:id', status: 200 });
const sets = (): (Attributes | undefined)[] => [
  { route: '/payments', status: 200, ok: true },
  { status: 200, route: '/payments', ok: true }, // the same set in another key order
  frozen,
  { route: '/payments', status: 500, tags: ['a', 'b'] },
  undefined,
  {},
  { route: '/refunds', 'user.id': 'u1' }, // refused key: recorded without it
  { route: `/r${Math.floor(Math.random() * 1e9)}` }, // past the limit sooner or later: overflow
  frozen,
];
const VALUES = [0, 0.005, 0.0051, 10, 12.5, 0.3, -1, Number.NaN, -0, Number.POSITIVE_INFINITY, 3, 7e-7];

describe('bound measurements record exactly what the SDK path records', () => {
  let quiet: ReturnType<typeof captureWarnings>;
  beforeAll(() => {
    quiet = captureWarnings();
    diag.disable();
  });
  afterAll(() => quiet.restore());

  for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
    it(`histograms, counters, up-down counters and gauges (${AggregationTemporality[temporality]})`, async () => {
      const fast = sdk(temporality);
      const plain = sdk(temporality);
      const policy = { cardinalityLimit: LIMIT, allowedKeys: new Set<string>() };
      const guarded = new GuardedMeterProvider(fast.provider, policy).getMeter('t');
      const meter = plain.provider.getMeter('t');
      const kinds = ['histogram', 'counter', 'updown', 'gauge'] as const;
      const fastInstruments = {
        histogram: guarded.createHistogram('h', { advice: { explicitBucketBoundaries: [0.005, 0.1, 1, 10] } }),
        counter: guarded.createCounter('c'),
        updown: guarded.createUpDownCounter('u'),
        gauge: guarded.createGauge('g'),
      };
      const plainInstruments = {
        histogram: meter.createHistogram('h', { advice: { explicitBucketBoundaries: [0.005, 0.1, 1, 10] } }),
        counter: meter.createCounter('c'),
        updown: meter.createUpDownCounter('u'),
        gauge: meter.createGauge('g'),
      };
      const guards = Object.fromEntries(kinds.map((k) => [k, new SeriesGuard(k, policy)]));
      const fastRecord = (kind: (typeof kinds)[number], v: number, a?: Attributes) => {
        const i = fastInstruments[kind];
        if ('record' in i) i.record(v, a);
        else i.add(v, a);
      };
      const plainRecord = (kind: (typeof kinds)[number], v: number, a?: Attributes) => {
        const i = plainInstruments[kind];
        const admitted = guards[kind]?.admit(a);
        if ('record' in i) i.record(v, admitted);
        else i.add(v, admitted);
      };

      let n = 0;
      let last: unknown[] = [];
      for (let round = 0; round < 5; round++) {
        for (let r = 0; r < 40; r++) {
          for (const a of sets()) {
            const v = VALUES[n++ % VALUES.length] as number;
            for (const kind of kinds) {
              // Each side gets its own copy of a fresh object, as two callers would pass.
              const copy = a === undefined || Object.isFrozen(a) ? a : structuredClone(a);
              fastRecord(kind, v, a);
              plainRecord(kind, v, copy);
            }
          }
        }
        last = await data(fast.reader);
        expect(last).toEqual(await data(plain.reader));
        // A round without some sets: delta points must disappear on both sides alike.
        if (round === 2) {
          fastRecord('histogram', 1, frozen);
          plainRecord('histogram', 1, frozen);
          expect(await data(fast.reader)).toEqual(await data(plain.reader));
        }
      }
      expect(JSON.stringify(last)).toContain('otel.metric.overflow');
      expect(JSON.stringify(last)).not.toContain('user.id');
    });
  }

  it('takes the fast path on the SDK this package depends on (and the public path elsewhere)', () => {
    const { provider } = sdk(AggregationTemporality.CUMULATIVE);
    const h = provider.getMeter('t').createHistogram('h');
    const attributes = Object.freeze({ a: 1 });
    expect(bindMeasurement(h, attributes, 'non-negative', () => {}).constructor.name).toBe('SingleStorageMeasurement');
    // A second matching view: one cell per storage.
    const two = new MeterProvider({
      readers: [new Reader()],
      views: [{ instrumentName: 'h' }, { instrumentName: 'h', name: 'h2' }],
    });
    const h2 = two.getMeter('t').createHistogram('h');
    expect(bindMeasurement(h2, attributes, 'non-negative', () => {}).constructor.name).toBe('MultiStorageMeasurement');
    // A view that rewrites attributes keeps the SDK path; an empty list of processors rewrites nothing.
    const filtered = new MeterProvider({
      readers: [new Reader()],
      views: [{ instrumentName: 'h', attributesProcessors: [createAllowListAttributesProcessor(['a'])] }],
    });
    const hf = filtered.getMeter('t').createHistogram('h');
    expect(bindMeasurement(hf, attributes, 'non-negative', () => {}).constructor.name).toBe('PublicPathMeasurement');
    const inert = new MeterProvider({
      readers: [new Reader()],
      views: [{ instrumentName: 'h', attributesProcessors: [] }],
    });
    const hi = inert.getMeter('t').createHistogram('h');
    expect(bindMeasurement(hi, attributes, 'non-negative', () => {}).constructor.name).toBe('SingleStorageMeasurement');
    // INT instruments truncate values first: SDK path.
    const hint = provider.getMeter('t').createHistogram('hint', { valueType: 0 });
    expect(bindMeasurement(hint, attributes, 'non-negative', () => {}).constructor.name).toBe('PublicPathMeasurement');
    const recorded: number[] = [];
    const notSdk = { record: (v: number) => recorded.push(v) };
    const bound = bindInstrument(notSdk as never, attributes, 'non-negative');
    bound.record(2);
    expect(recorded).toEqual([2]);
  });

  for (const rewriting of [false, true]) {
    it(`a bound set on several views${rewriting ? ', one rewriting attributes,' : ''} records what the SDK does`, async () => {
      const make = () => {
        const reader = new Reader();
        const views: ViewOptions[] = [
          { instrumentName: 'h' },
          { instrumentName: 'h', name: 'h.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
        ];
        if (rewriting) {
          views.push({
            instrumentName: 'h',
            name: 'h.route_only',
            attributesProcessors: [createAllowListAttributesProcessor(['route'])],
          });
        }
        const provider = new MeterProvider({ readers: [reader], views });
        return { reader, h: provider.getMeter('t').createHistogram('h') };
      };
      const fast = make();
      const plain = make();
      const attributes = Object.freeze({ route: '/a', status: 200 });
      const bound = bindInstrument(fast.h, attributes, 'non-negative');
      expect(bound.constructor.name).toBe(rewriting ? 'PublicPathMeasurement' : 'MultiStorageMeasurement');
      for (let round = 0; round < 3; round++) {
        for (const v of VALUES) {
          bound.record(v);
          plain.h.record(v, attributes);
        }
        expect(await data(fast.reader)).toEqual(await data(plain.reader));
      }
    });
  }

  it('keeps what was recorded when the caller mutates its attribute object afterwards', async () => {
    const { provider, reader } = sdk(AggregationTemporality.CUMULATIVE);
    const h = new GuardedMeterProvider(provider, { cardinalityLimit: 10, allowedKeys: new Set() })
      .getMeter('t')
      .createHistogram('h');
    const a: Attributes = { route: '/a' };
    h.record(1, a);
    a.route = '/b';
    h.record(2, a);
    // Frozen, but with an array that is not: found by values, not by identity.
    const tags = ['x'];
    const f = Object.freeze({ route: '/c', tags });
    h.record(3, f);
    tags[0] = 'y';
    h.record(4, f);
    const [metric] = (await data(reader)) as { points: { attributes: Attributes; value: { count: number } }[] }[];
    expect(metric?.points.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ route: '/a' }, 1],
      [{ route: '/b' }, 1],
      [{ route: '/c', tags: ['x'] }, 1],
      [{ route: '/c', tags: ['y'] }, 1],
    ]);
  });
});
