import { type Level, parseLevel } from '../internal/attribute-names.js';

/** A query parameter with a value the API cannot use → 400 naming the parameter. */
export class ParamError extends Error {
  override readonly name = 'ParamError';
  constructor(
    readonly parameter: string,
    value: string,
    accepted: string,
    message = `invalid value for parameter '${parameter}': ${JSON.stringify(value.slice(0, 100))} (expected ${accepted})`,
  ) {
    super(message);
  }
}

/** Typed readers over URLSearchParams; each returns undefined when the parameter is absent or empty. */
export class Params {
  readonly #read = new Set<string>();

  constructor(readonly search: URLSearchParams) {}

  /**
   * Refuses parameters the endpoint did not read: a misspelt filter (`traceId` for `trace_id`) would otherwise be
   * ignored silently and return everything.
   */
  assertAllKnown(): void {
    for (const name of this.search.keys()) {
      if (!this.#read.has(name)) {
        const accepted = this.#read.size ? [...this.#read].join(', ') : 'none';
        throw new ParamError(name, '', accepted, `unknown parameter '${name}' (this endpoint accepts: ${accepted})`);
      }
    }
  }

  string(name: string): string | undefined {
    this.#read.add(name);
    const v = this.search.get(name);
    return v === null || v === '' ? undefined : v.slice(0, 1000);
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || n < min || n > max)
      throw new ParamError(name, v, `an integer from ${min} to ${max}`);
    return n;
  }

  number(name: string, min: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new ParamError(name, v, `a number ≥ ${min}`);
    return n;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) throw new ParamError(name, v, `one of ${values.join(', ')}`);
    return v as T;
  }

  /** A time as ISO 8601 or epoch milliseconds. */
  time(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) throw new ParamError(name, v, 'an ISO 8601 time or epoch milliseconds');
    return ms;
  }

  hex(name: string, length: number): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(v)) throw new ParamError(name, v, `${length} hex digits`);
    return v.toLowerCase();
  }

  levels(name: string): Level[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    return v.split(',').map((part) => {
      const level = parseLevel(part);
      if (!level)
        throw new ParamError(name, v, 'levels among TRACE, DEBUG, INFO, WARN, ERROR, FATAL (comma-separated)');
      return level;
    });
  }
}
