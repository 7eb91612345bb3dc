/** Hand-built OTLP/JSON payloads (hex ids, enums as integers, int64 as strings), as the specification encodes them. */

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  version?: string;
  kind?: number;
  startMs: number;
  durationMs: number;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
  exception?: { type: string; message: string; fingerprint?: string; severity?: string; category?: string };
}

function value(v: string | number | boolean) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

function attrs(o: Record<string, string | number | boolean>) {
  return Object.entries(o).map(([key, v]) => ({ key, value: value(v) }));
}

const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

/** One ExportTraceServiceRequest per service found in the specs. */
export function tracesRequest(specs: SpanSpec[]): object {
  const byService = new Map<string, SpanSpec[]>();
  for (const s of specs)
    byService.set(`${s.service}\u0000${s.version ?? ''}`, [
      ...(byService.get(`${s.service}\u0000${s.version ?? ''}`) ?? []),
      s,
    ]);
  return {
    resourceSpans: [...byService.values()].map((list) => ({
      resource: {
        attributes: attrs({
          'service.name': list[0]!.service,
          ...(list[0]!.version ? { 'service.version': list[0]!.version } : {}),
        }),
      },
      scopeSpans: [
        {
          scope: { name: 'hand-built' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind ?? 1,
            startTimeUnixNano: nanos(s.startMs),
            endTimeUnixNano: nanos(s.startMs + s.durationMs),
            attributes: attrs(s.attributes ?? {}),
            status: s.error ? { code: 2, message: s.exception?.message ?? 'failed' } : { code: 1 },
            events: s.exception
              ? [
                  {
                    name: 'exception',
                    timeUnixNano: nanos(s.startMs + s.durationMs),
                    attributes: attrs({
                      'exception.type': s.exception.type,
                      'exception.message': s.exception.message,
                      ...(s.exception.fingerprint ? { 'otelkit.error.fingerprint': s.exception.fingerprint } : {}),
                      ...(s.exception.severity ? { 'otelkit.error.severity': s.exception.severity } : {}),
                      ...(s.exception.category ? { 'otelkit.error.category': s.exception.category } : {}),
                    }),
                  },
                ]
              : [],
          })),
        },
      ],
    })),
  };
}

export interface LogSpec {
  service: string;
  timeMs: number;
  severityNumber: number;
  message: string;
  traceId?: string;
  spanId?: string;
  attributes?: Record<string, string | number | boolean>;
}

export function logsRequest(specs: LogSpec[]): object {
  return {
    resourceLogs: specs.map((l) => ({
      resource: { attributes: attrs({ 'service.name': l.service }) },
      scopeLogs: [
        {
          logRecords: [
            {
              timeUnixNano: nanos(l.timeMs),
              severityNumber: l.severityNumber,
              body: { stringValue: l.message },
              traceId: l.traceId ?? '',
              spanId: l.spanId ?? '',
              attributes: attrs(l.attributes ?? {}),
            },
          ],
        },
      ],
    })),
  };
}

export async function postJson(baseUrl: string, path: string, body: object): Promise<number> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  await response.arrayBuffer();
  return response.status;
}
