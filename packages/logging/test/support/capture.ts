import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { vi } from 'vitest';

const require = createRequire(import.meta.url);
const schema = require('@otelkit/core/log-record.schema.json') as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateRecord = ajv.compile(schema);

/** A pino destination that keeps every line it is given. */
export interface Capture {
  write(line: string): void;
  readonly lines: string[];
  /** Every line parsed (throws on a line that is not JSON). */
  records(): Record<string, unknown>[];
  last(): Record<string, unknown>;
  clear(): void;
}

export function capture(): Capture {
  const lines: string[] = [];
  return {
    write(line: string) {
      lines.push(line);
    },
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    last: () => JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>,
    clear: () => {
      lines.length = 0;
    },
  };
}

/** The captured records of one request (by correlation id). */
export function recordsOf(out: Capture, correlationId: string): Record<string, unknown>[] {
  return out.records().filter((r) => r.correlation_id === correlationId);
}

/**
 * A request's completion line (the one with `request.duration_ms`). It is written on the response's 'finish', which
 * can come after the client already has the response (a write that did not complete at once, on a loaded machine), so
 * it is waited for.
 */
export function completionOf(out: Capture, correlationId: string): Promise<Record<string, unknown>> {
  return vi.waitFor(
    () => {
      const line = recordsOf(out, correlationId).find(
        (r) => (r.request as { duration_ms?: number } | undefined)?.duration_ms !== undefined,
      );
      if (line === undefined) throw new Error(`no completion line for ${correlationId} yet`);
      return line;
    },
    { timeout: 5000, interval: 5 },
  );
}

/** The schema errors of one parsed line, or an empty list. */
export function schemaErrors(record: unknown): string[] {
  if (validateRecord(record)) return [];
  return (validateRecord.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Sets environment variables for one test file section and returns a restore function. */
export function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
