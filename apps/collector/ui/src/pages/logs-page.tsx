import { useEffect, useState } from 'preact/hooks';
import { apiUrl, getJson, type LogRecord, parseLogs } from '../api.js';
import {
  Empty,
  ErrorBox,
  KeyValues,
  LevelBadge,
  Loading,
  Mono,
  PageHeader,
  ServiceChip,
  SeverityBadge,
} from '../components/common.js';
import { Histogram } from '../components/histogram.js';
import { href, navigate } from '../router.js';
import { formatClock, formatDateTime, formatIso } from '../time.js';
import { useFetch } from '../use-fetch.js';
import { useServiceNames } from './service-names.js';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const FILTERS = ['service', 'level', 'q', 'trace_id', 'correlation_id', 'fingerprint'] as const;
type FilterKey = (typeof FILTERS)[number];

export function LogsPage({ query }: { query: URLSearchParams }) {
  const current = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? ''])) as Record<FilterKey, string>;
  const spanId = query.get('span_id') ?? '';
  const [draft, setDraft] = useState(current);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const services = useServiceNames();
  const currentKey = FILTERS.map((k) => current[k]).join('\u0000');
  // Re-sync the form only when the route's filters change, not on every render.
  useEffect(() => setDraft(current), [currentKey]);

  const url = apiUrl('logs', { ...current, span_id: spanId, limit: 1000 });
  const { data, error, loading } = useFetch(url, async (signal) => parseLogs(await getJson(url, signal)));
  const logs = (data ?? [])
    .filter((l) => !spanId || l.span_id === spanId)
    .sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
  const apply = (patch: Partial<Record<FilterKey, string>>): void =>
    navigate(['logs'], { ...draft, ...patch, span_id: spanId || undefined });
  const active = FILTERS.filter((k) => current[k]);

  const byLevel = (levels: string[]): number[] =>
    logs.filter((l) => levels.includes(l.level) && l.timestamp !== undefined).map((l) => l.timestamp!);

  return (
    <>
      <PageHeader title="Logs">{loading && data ? <span class="muted small">refreshing…</span> : null}</PageHeader>
      <form
        class="filters"
        data-testid="log-filters"
        onSubmit={(event) => {
          event.preventDefault();
          apply({});
        }}
      >
        <label class="grow">
          Search
          <input
            type="search"
            value={draft.q}
            placeholder="message, error type, fingerprint…"
            data-testid="filter-q"
            onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })}
          />
        </label>
        <label>
          Service
          <input
            list="log-service-names"
            value={draft.service}
            placeholder="any"
            onInput={(e) => setDraft({ ...draft, service: e.currentTarget.value })}
            onChange={(e) => apply({ service: e.currentTarget.value })}
          />
        </label>
        <datalist id="log-service-names">
          {services.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <label>
          Level
          <select
            value={draft.level}
            data-testid="filter-level"
            onChange={(e) => apply({ level: e.currentTarget.value })}
          >
            <option value="">any</option>
            <option value="WARN,ERROR,FATAL">WARN and above</option>
            <option value="ERROR,FATAL">ERROR and above</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Trace id
          <input
            class="mono"
            value={draft.trace_id}
            placeholder="any"
            data-testid="filter-trace-id"
            onInput={(e) => setDraft({ ...draft, trace_id: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          Correlation id
          <input
            class="mono"
            value={draft.correlation_id}
            placeholder="any"
            onInput={(e) => setDraft({ ...draft, correlation_id: e.currentTarget.value.trim() })}
          />
        </label>
        <label>
          Fingerprint
          <input
            class="mono"
            value={draft.fingerprint}
            placeholder="any"
            onInput={(e) => setDraft({ ...draft, fingerprint: e.currentTarget.value.trim() })}
          />
        </label>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {active.length > 0 || spanId ? (
        <div class="active-filters" data-testid="active-filters">
          {active.map((k) => (
            <span key={k} class="tag">
              {k}={current[k]}{' '}
              <a
                href={href(['logs'], { ...current, [k]: undefined, span_id: spanId || undefined })}
                aria-label={`Remove ${k}`}
              >
                ×
              </a>
            </span>
          ))}
          {spanId ? (
            <span class="tag">
              span_id={spanId} <a href={href(['logs'], current)}>×</a>
            </span>
          ) : null}
          {current.fingerprint ? (
            <a class="small" href={href(['errors', current.fingerprint])} data-testid="logs-error-link">
              Error group →
            </a>
          ) : null}
          {current.trace_id ? (
            <a class="small" href={href(['traces', current.trace_id])} data-testid="logs-trace-link">
              Open trace {current.trace_id.slice(0, 8)}… →
            </a>
          ) : null}
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      {!data && loading ? <Loading what="logs" /> : null}
      {data && logs.length === 0 ? <Empty>No log records match.</Empty> : null}
      {logs.length > 0 ? (
        <>
          <Histogram
            testId="log-histogram"
            layers={[
              { name: 'ERROR/FATAL', className: 'h-error', times: byLevel(['ERROR', 'FATAL']) },
              { name: 'WARN', className: 'h-warn', times: byLevel(['WARN', 'WARNING']) },
              { name: 'INFO', className: 'h-info', times: byLevel(['INFO']) },
              { name: 'DEBUG/TRACE', className: 'h-debug', times: byLevel(['DEBUG', 'TRACE']) },
            ]}
          />
          <div class="table-wrap card">
            <table class="data logs" data-testid="log-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Level</th>
                  <th>Service</th>
                  <th>Message</th>
                  <th>Trace</th>
                  <th>Correlation</th>
                </tr>
              </thead>
              <tbody>
                {logs.map((log) => (
                  <LogRow
                    key={log.key}
                    log={log}
                    open={open === log.key}
                    onToggle={() => setOpen(open === log.key ? undefined : log.key)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <p class="muted small">{logs.length} records, newest first.</p>
        </>
      ) : null}
    </>
  );
}

function LogRow({ log, open, onToggle }: { log: LogRecord; open: boolean; onToggle: () => void }) {
  const level = ['ERROR', 'FATAL'].includes(log.level) ? 'error' : log.level === 'WARN' ? 'warn' : '';
  return (
    <>
      <tr
        class={`log-row ${level ? `row-${level}` : ''}${open ? ' open' : ''}`}
        data-testid="log-row"
        data-trace-id={log.trace_id}
      >
        <td class="nowrap mono small" title={formatIso(log.timestamp)}>
          {formatDateTime(log.timestamp).includes(' ') ? formatDateTime(log.timestamp) : formatClock(log.timestamp)}
        </td>
        <td>
          <LevelBadge level={log.level} />
        </td>
        <td class="nowrap">{log.service ? <ServiceChip service={log.service} /> : <span class="muted">–</span>}</td>
        <td class="wrap">
          <button type="button" class="link message" aria-expanded={open} onClick={onToggle} data-testid="log-expand">
            {log.message || <span class="muted">(empty)</span>}
          </button>
          {log.error?.fingerprint ? (
            <a
              class="error-type"
              href={href(['errors', log.error.fingerprint])}
              data-testid="log-error-link"
              title={`Error group ${log.error.fingerprint}`}
            >
              {log.error.type || 'Error'}
            </a>
          ) : null}
        </td>
        <td class="nowrap">
          {log.trace_id ? (
            <a
              class="mono small"
              href={href(['traces', log.trace_id], { span: log.span_id || undefined })}
              data-testid="log-trace-link"
              title={log.trace_id}
            >
              {log.trace_id.slice(0, 8)}…
            </a>
          ) : (
            <span class="muted">–</span>
          )}
        </td>
        <td class="nowrap">
          {log.correlation_id ? (
            <a
              class="mono small"
              href={href(['logs'], { correlation_id: log.correlation_id })}
              title="All logs of this request"
            >
              {log.correlation_id.length > 18 ? `${log.correlation_id.slice(0, 16)}…` : log.correlation_id}
            </a>
          ) : (
            <span class="muted">–</span>
          )}
        </td>
      </tr>
      {open ? (
        <tr class="log-detail">
          <td colSpan={6}>
            <LogDetail log={log} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function LogDetail({ log }: { log: LogRecord }) {
  const ids = {
    trace_id: log.trace_id,
    span_id: log.span_id,
    correlation_id: log.correlation_id,
    environment: log.environment,
    host: log.host,
    version: log.version,
    timestamp: formatIso(log.timestamp),
  };
  const shown = Object.fromEntries(Object.entries(ids).filter(([, v]) => v));
  return (
    <div class="log-detail-body" data-testid="log-detail">
      <div class="detail-grid">
        <div>
          <h3>Record</h3>
          <KeyValues data={shown} />
          {Object.keys(log.request).length > 0 ? (
            <>
              <h3>Request</h3>
              <KeyValues data={log.request} />
            </>
          ) : null}
          {Object.keys(log.user).length > 0 ? (
            <>
              <h3>User</h3>
              <KeyValues data={log.user} />
            </>
          ) : null}
          {Object.keys(log.context).length > 0 ? (
            <>
              <h3>Context</h3>
              <KeyValues data={log.context} />
            </>
          ) : null}
        </div>
        {log.error ? (
          <div>
            <h3>
              Error <SeverityBadge severity={log.error.severity} />{' '}
              {log.error.category ? <span class="tag">{log.error.category}</span> : null}
            </h3>
            <p>
              <b>{log.error.type}</b>: {log.error.message}
            </p>
            <p class="small">
              Fingerprint <Mono value={log.error.fingerprint} />{' '}
              {log.error.fingerprint ? <a href={href(['errors', log.error.fingerprint])}>error group →</a> : null}
            </p>
            {log.error.stack_trace ? <pre class="code stack">{log.error.stack_trace}</pre> : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
