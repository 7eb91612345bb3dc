import { spawnSync } from 'node:child_process';
import type { Attributes } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { setWarningSink } from '@otelkit/core';

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** A real SDK provider with a pull reader, so a test can read exactly what was recorded. */
export function testProvider(): {
  provider: MeterProvider;
  collect(): Promise<ResourceMetrics>;
  metric(name: string): Promise<MetricData | undefined>;
  points(name: string): Promise<DataPoint<number | Histogram>[]>;
} {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async () => (await reader.collect()).resourceMetrics;
  const metric = async (name: string) => {
    const rm = await collect();
    for (const s of rm.scopeMetrics) for (const m of s.metrics) if (m.descriptor.name === name) return m;
    return undefined;
  };
  return {
    provider,
    collect,
    metric,
    points: async (name) => ((await metric(name))?.dataPoints ?? []) as DataPoint<number | Histogram>[],
  };
}

export function attrs(points: DataPoint<unknown>[]): Attributes[] {
  return points.map((p) => p.attributes);
}

/** Captures otelkit's WARN lines for the duration of a test. */
export function captureWarnings(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const previous = setWarningSink((line) => lines.push(line));
  return { lines, restore: () => setWarningSink(previous) };
}

/** Whether promtool is available; under CI its absence is a failure, not a skip. */
export function havePromtool(): boolean {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  const ok = r.status === 0;
  if (!ok && process.env.CI)
    throw new Error('promtool is required under CI (Debian package "prometheus", see .ci/apt-packages)');
  return ok;
}

/** Runs a Prometheus handler against a minimal response object and returns the body. */
export function scrapeHandler(handler: (req: never, res: never) => void): Promise<string> {
  return new Promise((resolve) => {
    const res = {
      statusCode: 0,
      setHeader() {},
      end(body?: string) {
        resolve(body ?? '');
      },
    };
    handler({} as never, res as never);
  });
}
