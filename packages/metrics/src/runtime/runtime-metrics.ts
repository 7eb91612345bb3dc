import { createRequire } from 'node:module';
import { getHeapStatistics } from 'node:v8';
import type { MeterProvider } from '@opentelemetry/api';
import type { HostMetrics } from '@opentelemetry/host-metrics';
import type { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { warnOnce } from '@otelkit/core';
import { SCOPE_NAME, SCOPE_VERSION } from '../internal/version.js';

/** The otelkit name of V8's `heap_size_limit`: the semantic conventions only have per-space sizes. */
export const METRIC_HEAP_SIZE_LIMIT = 'otelkit.nodejs.heap.size_limit';

/**
 * Starts the runtime metrics: `@opentelemetry/instrumentation-runtime-node` (event-loop delay min/max/mean/p50/p90/p99,
 * event-loop utilization and time, heap used/size by space, GC duration by kind), `@opentelemetry/host-metrics`
 * restricted to the process groups (CPU time and utilization, RSS as `process.memory.usage`) so that no system-wide
 * probes run, and V8's heap size limit. Both packages are loaded only here, when runtime metrics are on.
 */
export function startRuntimeMetrics(provider: MeterProvider, monitoringPrecisionMs: number): () => void {
  const require = createRequire(import.meta.url);
  const stops: (() => void)[] = [];
  try {
    const { RuntimeNodeInstrumentation: Runtime } = require('@opentelemetry/instrumentation-runtime-node') as {
      RuntimeNodeInstrumentation: new (config: {
        enabled?: boolean;
        monitoringPrecision?: number;
      }) => RuntimeNodeInstrumentation;
    };
    const runtime = new Runtime({ enabled: false, monitoringPrecision: monitoringPrecisionMs });
    runtime.setMeterProvider(provider);
    runtime.enable();
    stops.push(() => runtime.disable());
  } catch (error) {
    warnOnce('metrics.runtime.node', 'Node.js runtime metrics could not start', { error: String(error) });
  }
  try {
    const { HostMetrics: Host } = require('@opentelemetry/host-metrics') as {
      HostMetrics: new (config: {
        meterProvider: MeterProvider;
        name?: string;
        metricGroups?: string[];
      }) => HostMetrics;
    };
    const host = new Host({
      meterProvider: provider,
      name: '@opentelemetry/host-metrics',
      metricGroups: ['process.cpu', 'process.memory'],
    });
    host.start();
  } catch (error) {
    warnOnce('metrics.runtime.host', 'process CPU and memory metrics could not start', { error: String(error) });
  }
  const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);
  const limit = meter.createObservableGauge(METRIC_HEAP_SIZE_LIMIT, {
    description: 'The V8 heap size limit (heap_size_limit): the heap cannot grow past it.',
    unit: 'By',
  });
  const observeLimit = (result: { observe(value: number): void }): void => {
    result.observe(getHeapStatistics().heap_size_limit);
  };
  limit.addCallback(observeLimit);
  stops.push(() => limit.removeCallback(observeLimit));
  return () => {
    for (const stop of stops) {
      try {
        stop();
      } catch {
        /* stopping is best effort */
      }
    }
  };
}
