import type { ConfigProblem } from './config-error.js';

/**
 * Collects problems while reading settings, so that one `ConfigError` lists all of them.
 */
export class ProblemList {
  readonly problems: ConfigProblem[] = [];

  add(field: string, value: unknown, expected: string): undefined {
    this.problems.push({ field, value, expected });
    return undefined;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The trimmed value of a variable; empty means unset, as the OpenTelemetry specification says. */
export function read(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const v = raw.trim();
  return v === '' ? undefined : v;
}

export function readEnum<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  problems: ProblemList,
): T | undefined {
  const v = read(env, name);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  const hit = allowed.find((a) => a.toLowerCase() === lower);
  return hit ?? problems.add(name, v, `one of ${allowed.join(', ')}`);
}

export function readNumber(
  env: Env,
  name: string,
  problems: ProblemList,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const v = read(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false } = range;
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    const kind = integer ? 'an integer' : 'a number';
    const bounds = [Number.isFinite(min) ? `>= ${min}` : '', Number.isFinite(max) ? `<= ${max}` : '']
      .filter(Boolean)
      .join(' and ');
    return problems.add(name, v, bounds ? `${kind} ${bounds}` : kind);
  }
  return n;
}

export function readBoolean(env: Env, name: string, problems: ProblemList): boolean | undefined {
  const v = read(env, name);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  return problems.add(name, v, 'true or false');
}

export function readUrl(env: Env, name: string, problems: ProblemList): string | undefined {
  const v = read(env, name);
  if (v === undefined) return undefined;
  try {
    const url = new URL(v);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    return v;
  } catch {
    return problems.add(name, v, 'an absolute http:// or https:// URL');
  }
}

const KEY = /^[\x21-\x7e]+$/;

/**
 * Parses a W3C-baggage-like list `key1=value1,key2=value2` with percent-encoded values, as
 * `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS` use.
 */
export function readKeyValueList(env: Env, name: string, problems: ProblemList): Record<string, string> | undefined {
  const v = read(env, name);
  if (v === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq === -1 ? '' : item.slice(0, eq).trim();
    if (eq <= 0 || !KEY.test(key)) {
      return problems.add(name, v, 'a comma-separated list of key=value pairs (values percent-encoded)');
    }
    let value: string;
    try {
      value = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      return problems.add(name, v, `valid percent-encoding in the value of "${key}"`);
    }
    out[key] = value;
  }
  return out;
}
