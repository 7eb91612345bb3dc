import type { ConfigProblem } from '@otelkit/core';
import { refusedKeyReason } from '../guard/attribute-keys.js';
import { prometheusName } from '../prometheus/prometheus-names.js';

/** The kinds of instrument {@link defineMetrics} creates. */
export type MetricKind = 'counter' | 'updowncounter' | 'histogram' | 'gauge';

const KINDS: readonly MetricKind[] = ['counter', 'updowncounter', 'histogram', 'gauge'];

// Lower-case words joined by `.` or `_`: valid as an OpenTelemetry instrument name (ASCII, starts with a letter, at
// most 255 characters) and, once dots become underscores, a Prometheus name in the house style (snake_case, no colons).
const NAME = /^[a-z][a-z0-9]*(?:[._][a-z0-9]+)*$/;
const ATTRIBUTE_KEY = /^[a-z][a-z0-9]*(?:[._][a-z0-9]+)*$/;
const RESERVED_SUFFIXES = ['total', 'count', 'sum', 'bucket', 'created', 'info'];
const TYPE_WORDS = ['counter', 'gauge', 'histogram', 'summary'];
const UNIT_WORDS = [
  'seconds',
  'second',
  'secs',
  'milliseconds',
  'millis',
  'ms',
  'microseconds',
  'us',
  'nanoseconds',
  'ns',
  'minutes',
  'hours',
  'bytes',
  'kb',
  'mb',
  'gb',
  'kilobytes',
  'megabytes',
  'percent',
];
const RESERVED_PREFIXES = ['otel.', 'otel_', 'otelkit.', 'otelkit_', '__'];

// Base units only (Prometheus: "use base units"), UCUM case-sensitive spelling, plus `{annotations}`.
const BASE_UNITS = new Set(['1', 's', 'By', 'bit', 'm', 'g', 'Cel', 'Hz', 'J', 'W', 'V', 'A', '%']);
const NON_BASE_UNITS: Record<string, string> = {
  ms: 's',
  us: 's',
  ns: 's',
  min: 's',
  h: 's',
  d: 's',
  KBy: 'By',
  MBy: 'By',
  GBy: 'By',
  KiBy: 'By',
  MiBy: 'By',
  GiBy: 'By',
  kB: 'By',
  KB: 'By',
  MB: 'By',
  bytes: 'By',
  seconds: 's',
  sec: 's',
  milliseconds: 's',
};
const ANNOTATION = /^\{[A-Za-z0-9_. -]{1,63}\}$/;

/** Names and their owners that user metrics must not take: the ones this package records itself. */
export const BUILT_IN_NAMES = new Set([
  'http.server.request.duration',
  'http.server.active_requests',
  'http.client.request.duration',
  'db.client.connection.count',
  'db.client.connection.max',
  'db.client.connection.pending_requests',
  'db.client.connection.wait_time',
]);

function unitProblem(unit: unknown): string | undefined {
  if (typeof unit !== 'string' || unit === '') return 'a UCUM unit such as s, By, 1 or an {annotation} like {payment}';
  const parts = unit.split('/');
  if (parts.length > 2) return 'at most one "/" (e.g. By/s)';
  for (const part of parts) {
    if (BASE_UNITS.has(part) || ANNOTATION.test(part)) continue;
    const base = NON_BASE_UNITS[part];
    if (base !== undefined)
      return `the base unit "${base}" instead of "${part}" (Prometheus and OpenTelemetry record base units; convert when recording)`;
    return `a base UCUM unit (${[...BASE_UNITS].join(', ')}) or an {annotation} like {payment}, not "${part}"`;
  }
  return undefined;
}

/** The name problems of one metric name, each as what would be accepted. */
export function nameProblems(name: unknown): string[] {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 255) {
    return [
      'lower-case words of letters and digits joined by "." or "_", starting with a letter, at most 255 characters (e.g. "payments" or "checkout.cart.size")',
    ];
  }
  const out: string[] = [];
  const words = name.split(/[._]/);
  const last = words[words.length - 1]!;
  if (RESERVED_SUFFIXES.includes(last)) {
    out.push(
      `a name not ending in "${last}": Prometheus reserves _total, _count, _sum, _bucket, _created and _info (the exporter adds _total to counters itself)`,
    );
  }
  if (UNIT_WORDS.includes(last)) {
    out.push(`a name without the unit "${last}" at the end: give the unit in "unit" (the exporter adds the suffix)`);
  }
  const typeWord = words.find((w) => TYPE_WORDS.includes(w));
  if (typeWord !== undefined) out.push(`a name without the type word "${typeWord}" (Prometheus naming rules)`);
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) {
    out.push('a name outside the reserved otel.* and otelkit.* namespaces');
  }
  if (BUILT_IN_NAMES.has(name)) out.push(`a name other than "${name}", which @otelkit/metrics records itself`);
  return out;
}

/** What one metric of a definition declares. */
export interface MetricSpecLike {
  kind: MetricKind;
  name: string;
  unit: string;
  description?: string;
  attributes?: readonly string[];
  buckets?: readonly number[];
}

const MAX_ATTRIBUTES = 8;

/** Checks a whole definition; every problem is returned with its field path. */
export function checkDefinition(
  spec: Record<string, MetricSpecLike>,
  allowedKeys: ReadonlySet<string>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, string>();
  if (spec === null || typeof spec !== 'object' || Object.keys(spec).length === 0) {
    return [{ field: 'defineMetrics', value: spec, expected: 'an object of at least one metric specification' }];
  }
  for (const [key, m] of Object.entries(spec)) {
    const at = `defineMetrics.${key}`;
    if (m === null || typeof m !== 'object') {
      problems.push({ field: at, value: m, expected: 'a metric specification { kind, name, unit, ... }' });
      continue;
    }
    if (!KINDS.includes(m.kind))
      problems.push({ field: `${at}.kind`, value: m.kind, expected: `one of ${KINDS.join(', ')}` });
    for (const expected of nameProblems(m.name)) problems.push({ field: `${at}.name`, value: m.name, expected });
    const unit = unitProblem(m.unit);
    if (unit !== undefined) problems.push({ field: `${at}.unit`, value: m.unit, expected: unit });
    if (m.description !== undefined && (typeof m.description !== 'string' || m.description.length > 1023)) {
      problems.push({
        field: `${at}.description`,
        value: m.description,
        expected: 'a string of at most 1023 characters',
      });
    }
    if (typeof m.name === 'string' && KINDS.includes(m.kind) && typeof m.unit === 'string') {
      const promName = prometheusName(m.name, m.unit, m.kind);
      const other = seen.get(promName);
      if (other !== undefined) {
        problems.push({
          field: `${at}.name`,
          value: m.name,
          expected: `a name whose Prometheus form "${promName}" differs from that of defineMetrics.${other}`,
        });
      } else seen.set(promName, key);
    }
    const attributes = m.attributes ?? [];
    if (!Array.isArray(attributes) || attributes.length > MAX_ATTRIBUTES) {
      problems.push({
        field: `${at}.attributes`,
        value: attributes,
        expected: `an array of at most ${MAX_ATTRIBUTES} attribute keys (every key multiplies the series)`,
      });
    } else {
      const keys = new Set<string>();
      attributes.forEach((k, i) => {
        const field = `${at}.attributes[${i}]`;
        if (typeof k !== 'string' || !ATTRIBUTE_KEY.test(k) || k.length > 128) {
          problems.push({
            field,
            value: k,
            expected: 'a lower-case attribute key such as "outcome" or "payment.method"',
          });
          return;
        }
        if (keys.has(k)) problems.push({ field, value: k, expected: 'each attribute key once' });
        keys.add(k);
        const reason = refusedKeyReason(k, allowedKeys);
        if (reason !== null) {
          problems.push({
            field,
            value: k,
            expected: `a bounded, non-sensitive attribute (${reason}); pass allowAttributeKeys to override deliberately`,
          });
        }
      });
    }
    if (m.buckets !== undefined) {
      const b = m.buckets;
      const ok =
        m.kind === 'histogram' &&
        Array.isArray(b) &&
        b.length > 0 &&
        b.length <= 64 &&
        b.every((x, i) => typeof x === 'number' && Number.isFinite(x) && (i === 0 || x > b[i - 1]!));
      if (!ok) {
        problems.push({
          field: `${at}.buckets`,
          value: b,
          expected:
            m.kind === 'histogram'
              ? '1 to 64 finite, strictly increasing bucket boundaries'
              : 'no buckets: only histograms have them',
        });
      }
    }
  }
  return problems;
}
