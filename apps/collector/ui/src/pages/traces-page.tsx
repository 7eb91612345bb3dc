import { useEffect, useState } from 'preact/hooks';
import { apiUrl, getJson, parseTraceList } from '../api.js';
import { Empty, ErrorBox, Loading, PageHeader, ServiceChip, StatusPill } from '../components/common.js';
import { TraceScatter } from '../components/trace-scatter.js';
import { href, navigate } from '../router.js';
import { formatAgo, formatDateTime, formatDuration, formatIso } from '../time.js';
import { useFetch } from '../use-fetch.js';
import { useServiceNames } from './service-names.js';

export function TracesPage({ query }: { query: URLSearchParams }) {
  const service = query.get('service') ?? '';
  const status = query.get('status') ?? '';
  const minDuration = query.get('minDurationMs') ?? '';
  const limit = query.get('limit') ?? '100';
  const [draftService, setDraftService] = useState(service);
  const [draftMin, setDraftMin] = useState(minDuration);
  const services = useServiceNames();
  useEffect(() => setDraftService(service), [service]);
  useEffect(() => setDraftMin(minDuration), [minDuration]);

  const name = query.get('name') ?? '';
  const [draftName, setDraftName] = useState(name);
  useEffect(() => setDraftName(name), [name]);
  const url = apiUrl('traces', {
    service,
    status,
    name,
    minDurationMs: Number(minDuration) > 0 ? minDuration : undefined,
    limit,
  });
  const { data, error, loading } = useFetch(url, async (signal) => parseTraceList(await getJson(url, signal)));

  const min = Number(minDuration);
  const traces = (data ?? []).filter((t) => !(min > 0) || (t.durationMs ?? 0) >= min);
  const maxDuration = Math.max(1, ...traces.map((t) => t.durationMs ?? 0));
  const apply = (patch: Record<string, string>): void =>
    navigate(['traces'], { service: draftService, name: draftName, status, minDurationMs: draftMin, limit, ...patch });

  return (
    <>
      <PageHeader title="Traces">{loading && data ? <span class="muted small">refreshing…</span> : null}</PageHeader>
      <form
        class="filters"
        data-testid="trace-filters"
        onSubmit={(event) => {
          event.preventDefault();
          apply({});
        }}
      >
        <label>
          Service
          <input
            list="service-names"
            value={draftService}
            placeholder="any"
            data-testid="filter-service"
            onInput={(e) => setDraftService(e.currentTarget.value)}
            onChange={(e) => apply({ service: e.currentTarget.value })}
          />
        </label>
        <datalist id="service-names">
          {services.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <label>
          Span name
          <input
            type="search"
            value={draftName}
            placeholder="contains…"
            data-testid="filter-name"
            onInput={(e) => setDraftName(e.currentTarget.value)}
          />
        </label>
        <label>
          Status
          <select value={status} data-testid="filter-status" onChange={(e) => apply({ status: e.currentTarget.value })}>
            <option value="">any</option>
            <option value="error">error</option>
            <option value="ok">ok</option>
            <option value="unset">unset</option>
          </select>
        </label>
        <label>
          Min duration (ms)
          <input
            type="number"
            min="0"
            value={draftMin}
            placeholder="0"
            data-testid="filter-min-duration"
            onInput={(e) => setDraftMin(e.currentTarget.value)}
          />
        </label>
        <label>
          Limit
          <select value={limit} onChange={(e) => apply({ limit: e.currentTarget.value })}>
            {['20', '100', '500', '1000'].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" data-testid="filter-apply">
          Search
        </button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {!data && loading ? <Loading what="traces" /> : null}
      {data && traces.length === 0 ? (
        <Empty>No traces match. Send spans to the OTLP receivers and they show up here.</Empty>
      ) : null}
      {traces.length > 0 ? (
        <>
          <TraceScatter traces={traces} />
          <div class="table-wrap card">
            <table class="data" data-testid="trace-table">
              <thead>
                <tr>
                  <th>Started</th>
                  <th>Root span</th>
                  <th>Services</th>
                  <th class="num">Spans</th>
                  <th class="duration-col">Duration</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {traces.map((t) => (
                  <tr key={t.traceId} data-testid="trace-row" data-trace-id={t.traceId}>
                    <td class="nowrap" title={formatIso(t.startTime)}>
                      {formatDateTime(t.startTime)}
                      <div class="muted small">{formatAgo(t.startTime)}</div>
                    </td>
                    <td>
                      <a href={href(['traces', t.traceId])} data-testid="trace-link" class="strong">
                        {t.rootName}
                      </a>
                      <div class="mono muted small">{t.traceId}</div>
                    </td>
                    <td>
                      <div class="chips">
                        {t.services.map((s) => (
                          <ServiceChip key={s} service={s} />
                        ))}
                      </div>
                    </td>
                    <td class="num">{t.spanCount ?? '–'}</td>
                    <td class="duration-col">
                      <div class="duration-cell">
                        <div class="duration-bar">
                          <span
                            class={t.status === 'error' ? 'is-error' : undefined}
                            style={{ width: `${Math.max(1, ((t.durationMs ?? 0) / maxDuration) * 100)}%` }}
                          />
                        </div>
                        <span class="num">{formatDuration(t.durationMs)}</span>
                      </div>
                    </td>
                    <td class="nowrap">
                      <StatusPill status={t.status} />
                      {t.errorCount ? <span class="muted small"> {t.errorCount} err</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </>
  );
}
