import {
  apiUrl,
  display,
  type ErrorGroup,
  getJson,
  type LogRecord,
  parseErrorGroups,
  parseLogs,
  parseTrace,
  type Span,
} from '../api.js';
import {
  Empty,
  ErrorBox,
  Field,
  KeyValues,
  LevelBadge,
  Loading,
  Mono,
  PageHeader,
  ServiceChip,
  StatusPill,
} from '../components/common.js';
import { buildRows, Waterfall } from '../components/waterfall.js';
import { href, navigate } from '../router.js';
import { formatClock, formatDateTime, formatDuration, formatIso, formatOffset } from '../time.js';
import { useFetch } from '../use-fetch.js';

interface RelatedError {
  fingerprint: string;
  type: string;
  message: string;
  count: number | undefined;
}

function relatedErrors(
  traceId: string,
  fingerprints: string[],
  logs: LogRecord[],
  groups: ErrorGroup[],
): RelatedError[] {
  const out = new Map<string, RelatedError>();
  for (const fp of fingerprints) {
    const group = groups.find((g) => g.fingerprint === fp);
    out.set(fp, { fingerprint: fp, type: group?.type ?? 'Error', message: group?.message ?? '', count: group?.count });
  }
  for (const group of groups) {
    if (group.sampleTraceId && group.sampleTraceId === traceId && !out.has(group.fingerprint)) {
      out.set(group.fingerprint, {
        fingerprint: group.fingerprint,
        type: group.type,
        message: group.message,
        count: group.count,
      });
    }
  }
  for (const log of logs) {
    const fp = log.error?.fingerprint;
    if (!fp || out.has(fp)) continue;
    const group = groups.find((g) => g.fingerprint === fp);
    out.set(fp, {
      fingerprint: fp,
      type: group?.type ?? log.error?.type ?? 'Error',
      message: group?.message ?? log.error?.message ?? log.message,
      count: group?.count,
    });
  }
  return [...out.values()];
}

export function TracePage({ traceId, query }: { traceId: string; query: URLSearchParams }) {
  const traceUrl = apiUrl(`traces/${encodeURIComponent(traceId)}`);
  const trace = useFetch(traceUrl, async (signal) => parseTrace(await getJson(traceUrl, signal)));
  const logsUrl = apiUrl('logs', { trace_id: traceId });
  const logs = useFetch(logsUrl, async (signal) => parseLogs(await getJson(logsUrl, signal)));
  const groups = useFetch(apiUrl('errors'), async (signal) =>
    parseErrorGroups(await getJson(apiUrl('errors'), signal)),
  );

  const spans = trace.data?.spans ?? [];
  const selectedId = query.get('span') ?? undefined;
  const selected = spans.find((s) => s.spanId === selectedId);
  const logList = logs.data ?? [];
  const logCounts = new Map<string, number>();
  for (const log of logList) if (log.span_id) logCounts.set(log.span_id, (logCounts.get(log.span_id) ?? 0) + 1);
  const errors = relatedErrors(traceId, trace.data?.errorFingerprints ?? [], logList, groups.data ?? []);

  if (trace.error && !trace.data) {
    return (
      <>
        <PageHeader title="Trace" />
        <ErrorBox error={trace.error} />
      </>
    );
  }
  if (!trace.data) return <Loading what="trace" />;
  if (spans.length === 0) return <Empty>This trace has no spans.</Empty>;

  const rows = buildRows(spans);
  const root = rows[0]!.span;
  const start = Math.min(...spans.map((s) => s.startTime));
  const end = Math.max(...spans.map((s) => s.endTime));
  const services = [...new Set(rows.map((r) => r.span.service))];
  const errorSpans = spans.filter((s) => s.status === 'error');
  const select = (spanId: string): void =>
    navigate(['traces', traceId], { span: spanId === selectedId ? undefined : spanId }, true);

  return (
    <>
      <PageHeader
        title={
          <>
            <span data-testid="trace-title">{root.name}</span>{' '}
            <StatusPill status={errorSpans.length > 0 ? 'error' : root.status} />
          </>
        }
      >
        <a class="button" href={href(['logs'], { trace_id: traceId })} data-testid="trace-logs-link">
          Logs ({logs.data ? logList.length : (trace.data?.logCount ?? '…')})
        </a>
        <a class="button" href={href(['traces'])}>
          All traces
        </a>
      </PageHeader>
      <section class="summary card">
        <Field label="Trace id">
          <Mono value={traceId} testId="trace-id" />
        </Field>
        <Field label="Started">
          <span title={formatIso(start)}>{formatDateTime(start)}</span>
        </Field>
        <Field label="Duration">{formatDuration(end - start)}</Field>
        <Field label="Spans">{spans.length}</Field>
        <Field label="Error spans">
          <span class={errorSpans.length > 0 ? 'text-error' : undefined}>{errorSpans.length}</span>
        </Field>
        <Field label="Services">
          <div class="chips">
            {services.map((s) => (
              <a key={s} href={href(['services'], { service: s })}>
                <ServiceChip service={s} />
              </a>
            ))}
          </div>
        </Field>
      </section>

      {errors.length > 0 ? (
        <section class="related-errors" data-testid="trace-errors">
          {errors.map((e) => (
            <a
              key={e.fingerprint}
              class="error-callout"
              href={href(['errors', e.fingerprint])}
              data-testid="trace-error-link"
            >
              <span class="err-mark">!</span>
              <span>
                <b>{e.type}</b> {e.message}
                <span class="muted small">
                  {' '}
                  · fingerprint <span class="mono">{e.fingerprint}</span>
                  {e.count !== undefined ? ` · ${e.count} event${e.count === 1 ? '' : 's'}` : ''}
                </span>
              </span>
              <span class="arrow">Error group →</span>
            </a>
          ))}
        </section>
      ) : null}

      <Waterfall
        spans={spans}
        selected={selected?.spanId}
        onSelect={select}
        logCounts={logCounts}
        renderDetail={(span) => (
          <SpanDetail span={span} traceStart={start} logs={logList.filter((l) => l.span_id === span.spanId)} />
        )}
      />
      {!selected ? <p class="muted small hint">Click a span to see its attributes, events and logs.</p> : null}

      <section class="section">
        <h2>
          Logs in this trace{' '}
          <a class="small" href={href(['logs'], { trace_id: traceId })}>
            open in Logs →
          </a>
        </h2>
        {logs.error ? <ErrorBox error={logs.error} /> : null}
        {logs.data && logList.length === 0 ? <Empty>No log records carry this trace id.</Empty> : null}
        {logList.length > 0 ? <TraceLogs logs={logList} start={start} onSelect={select} /> : null}
      </section>
    </>
  );
}

function TraceLogs({ logs, start, onSelect }: { logs: LogRecord[]; start: number; onSelect: (id: string) => void }) {
  const sorted = [...logs].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  return (
    <div class="table-wrap card">
      <table class="data compact" data-testid="trace-log-table">
        <tbody>
          {sorted.map((log) => (
            <tr key={log.key}>
              <td class="num nowrap muted" title={formatIso(log.timestamp)}>
                {formatOffset((log.timestamp ?? start) - start)}
              </td>
              <td>
                <LevelBadge level={log.level} />
              </td>
              <td class="nowrap">
                <ServiceChip service={log.service || 'unknown'} />
              </td>
              <td class="wrap">
                {log.message}
                {log.error?.fingerprint ? (
                  <a class="small" href={href(['errors', log.error.fingerprint])}>
                    {' '}
                    {log.error.type}
                  </a>
                ) : null}
              </td>
              <td class="nowrap">
                {log.span_id ? (
                  <button type="button" class="link mono small" onClick={() => onSelect(log.span_id)}>
                    span {log.span_id.slice(0, 8)}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SpanDetail({ span, traceStart, logs }: { span: Span; traceStart: number; logs: LogRecord[] }) {
  return (
    <div class="span-detail" data-testid="span-detail">
      <div class="span-detail-head">
        <h2 data-testid="span-detail-name">{span.name}</h2>
        <ServiceChip service={span.service} />
        <span class="tag">{span.kind}</span>
        <StatusPill status={span.status} />
        {span.statusMessage ? <span class="text-error small">{span.statusMessage}</span> : null}
      </div>
      <div class="fields">
        <Field label="Span id">
          <Mono value={span.spanId} />
        </Field>
        <Field label="Parent">
          <Mono value={span.parentSpanId} />
        </Field>
        <Field label="Start">{formatOffset(span.startTime - traceStart)}</Field>
        <Field label="Duration">{formatDuration(span.endTime - span.startTime)}</Field>
      </div>
      <div class="detail-grid">
        <div>
          <h3>Attributes</h3>
          <KeyValues data={span.attributes} testId="span-attributes" />
          {Object.keys(span.resource).length > 0 ? (
            <>
              <h3>Resource</h3>
              <KeyValues data={span.resource} />
            </>
          ) : null}
        </div>
        <div>
          <h3>Events ({span.events.length})</h3>
          {span.events.length === 0 ? <p class="muted small">None</p> : null}
          <ol class="events" data-testid="span-events">
            {span.events.map((event, i) => {
              const stack = display(event.attributes['exception.stacktrace']);
              const rest = { ...event.attributes };
              delete rest['exception.stacktrace'];
              return (
                <li key={i} class={event.name === 'exception' ? 'is-error' : undefined}>
                  <div>
                    <b>{event.name}</b>{' '}
                    <span class="muted small">
                      {event.time !== undefined
                        ? `${formatOffset(event.time - traceStart)} · ${formatClock(event.time)}`
                        : ''}
                    </span>
                  </div>
                  <KeyValues data={rest} empty="" />
                  {stack ? <pre class="code stack">{stack}</pre> : null}
                </li>
              );
            })}
          </ol>
          <h3>Logs ({logs.length})</h3>
          {logs.length === 0 ? <p class="muted small">No log records for this span.</p> : null}
          <ul class="plain">
            {logs.map((log) => (
              <li key={log.key}>
                <LevelBadge level={log.level} /> {log.message}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}
