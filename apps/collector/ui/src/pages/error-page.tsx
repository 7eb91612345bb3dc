import {
  ApiError,
  apiUrl,
  arr,
  display,
  type ErrorGroup,
  type ErrorOccurrence,
  type ErrorSample,
  first,
  getJson,
  isObject,
  type LogRecord,
  obj,
  parseErrorGroup,
  parseErrorGroups,
  parseErrorSample,
  parseLogs,
  parseOccurrences,
  str,
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
  SeverityBadge,
} from '../components/common.js';
import { Histogram } from '../components/histogram.js';
import { href } from '../router.js';
import { formatAgo, formatClock, formatDateTime, formatIso } from '../time.js';
import { useFetch } from '../use-fetch.js';

interface ErrorDetail {
  group: ErrorGroup;
  sample: ErrorSample | undefined;
  logs: LogRecord[];
  occurrences: ErrorOccurrence[];
  traceIds: string[];
  /** False when the server has no `/api/errors/:fingerprint`; the page is then built from the list and the logs. */
  fromDetailEndpoint: boolean;
}

async function loadDetail(fingerprint: string, signal: AbortSignal): Promise<ErrorDetail> {
  // `fingerprint=` filters exactly; a server without that filter gets a text search, narrowed below.
  const logsPromise = getJson(apiUrl('logs', { fingerprint, limit: 500 }), signal)
    .catch(() => getJson(apiUrl('logs', { q: fingerprint }), signal))
    .then(parseLogs, () => [] as LogRecord[]);
  let group: ErrorGroup | undefined;
  let sample: ErrorSample | undefined;
  let occurrences: ErrorOccurrence[] = [];
  let traceIds: string[] = [];
  let fromDetailEndpoint = false;
  try {
    const raw = obj(await getJson(apiUrl(`errors/${encodeURIComponent(fingerprint)}`), signal));
    const groupRaw = isObject(raw.group) ? raw.group : raw;
    if (str(groupRaw.fingerprint)) {
      group = parseErrorGroup(groupRaw);
      fromDetailEndpoint = true;
      const sampleRaw = first(raw, 'sample', 'sampleEvent', 'event', 'latestEvent') ?? arr(raw.events)[0];
      sample = parseErrorSample(sampleRaw);
      occurrences = parseOccurrences(raw.events).sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
      traceIds = arr(raw.traceIds).map(str).filter(Boolean);
      if (sample && sample.breadcrumbs.length === 0 && raw.breadcrumbs) {
        sample = { ...sample, ...pickBreadcrumbs(raw.breadcrumbs) };
      }
    }
  } catch (error) {
    if (signal.aborted) throw error;
    // No detail endpoint (or it failed): fall back to the group list below.
  }
  if (!group) {
    const groups = parseErrorGroups(await getJson(apiUrl('errors'), signal));
    group = groups.find((g) => g.fingerprint === fingerprint);
    if (!group) throw new ApiError(404, `no error group with fingerprint ${fingerprint}`);
  }
  const allLogs = await logsPromise;
  const exact = allLogs.filter((l) => l.error?.fingerprint === fingerprint);
  const logs = exact.length > 0 ? exact : allLogs;
  if (!sample) {
    const withStack = logs.find((l) => l.error?.stack_trace) ?? logs.find((l) => l.error);
    if (withStack) sample = parseErrorSample(withStack.raw);
  }
  if (traceIds.length === 0) traceIds = [...new Set(logs.map((l) => l.trace_id).filter(Boolean))];
  return { group, sample, logs, occurrences, traceIds, fromDetailEndpoint };
}

function pickBreadcrumbs(raw: unknown): Pick<ErrorSample, 'breadcrumbs'> {
  return { breadcrumbs: parseErrorSample({ breadcrumbs: raw })?.breadcrumbs ?? [] };
}

export function ErrorPage({ fingerprint }: { fingerprint: string }) {
  const { data, error } = useFetch(`error:${fingerprint}`, (signal) => loadDetail(fingerprint, signal));

  if (error && !data) {
    return (
      <>
        <PageHeader title="Error group" />
        <ErrorBox error={error} />
        <p>
          <a href={href(['errors'])}>All error groups</a>
        </p>
      </>
    );
  }
  if (!data) return <Loading what="error group" />;

  const { group, sample, logs, occurrences, traceIds } = data;
  const traceId = group.sampleTraceId || sample?.traceId || traceIds[0] || '';
  const stackText = sample?.stackTrace ?? '';
  const times = (occurrences.length > 0 ? occurrences.map((o) => o.timestamp) : logs.map((l) => l.timestamp)).filter(
    (t): t is number => t !== undefined,
  );

  return (
    <>
      <PageHeader
        title={
          <>
            <span data-testid="error-title">{group.type}</span> <SeverityBadge severity={group.severity} />
            {group.category ? <span class="tag">{group.category}</span> : null}
          </>
        }
      >
        {traceId ? (
          <a class="button primary" href={href(['traces', traceId])} data-testid="error-trace-link">
            Sample trace →
          </a>
        ) : null}
        <a class="button" href={href(['logs'], { fingerprint })} data-testid="error-logs-link">
          Logs ({logs.length})
        </a>
      </PageHeader>
      <p class="error-headline" data-testid="error-message">
        {group.message || sample?.message}
      </p>
      <section class="summary card">
        <Field label="Fingerprint">
          <Mono value={group.fingerprint} testId="error-fingerprint" />
        </Field>
        <Field label="Events">{group.count}</Field>
        <Field label="Users affected">{group.users ?? '–'}</Field>
        <Field label="First seen">
          <span title={formatIso(group.firstSeen)}>{formatDateTime(group.firstSeen)}</span>
        </Field>
        <Field label="Last seen">
          <span title={formatIso(group.lastSeen)}>{formatAgo(group.lastSeen)}</span>
        </Field>
        <Field label="Services">
          <div class="chips">
            {group.services.map((s) => (
              <ServiceChip key={s} service={s} />
            ))}
          </div>
        </Field>
        <Field label="Versions">
          <span class="mono">{group.versions.join(', ') || '–'}</span>
        </Field>
        {group.firstSeenVersion ? (
          <Field label="First seen in">
            <span class="mono" data-testid="error-first-version">
              {group.firstSeenVersion}
            </span>
          </Field>
        ) : null}
        {Object.keys(group.sources).length > 0 ? (
          <Field label="Reported by">
            {Object.entries(group.sources)
              .map(([k, v]) => `${k} ${v}`)
              .join(' · ')}
          </Field>
        ) : null}
        {traceId ? (
          <Field label="Sample trace">
            <a class="mono" href={href(['traces', traceId])}>
              {traceId}
            </a>
          </Field>
        ) : null}
      </section>

      {times.length > 1 ? (
        <section class="section">
          <h2>Occurrences over time</h2>
          <Histogram layers={[{ name: 'events', className: 'h-error', times }]} testId="error-histogram" />
        </section>
      ) : null}

      <section class="section">
        <h2>Stack trace</h2>
        {sample && sample.frames.length > 0 ? (
          <div class="table-wrap card">
            <table class="data compact frames" data-testid="stack-frames">
              <tbody>
                {sample.frames.map((f, i) => (
                  <tr key={i} class={f.inApp === false ? 'muted' : undefined}>
                    <td class="mono">{f.function || '<anonymous>'}</td>
                    <td class="mono wrap small">
                      {f.file || f.module}
                      {f.line !== undefined ? `:${f.line}` : ''}
                      {f.column !== undefined ? `:${f.column}` : ''}
                    </td>
                    <td>{f.inApp ? <span class="tag">in app</span> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {stackText ? (
          <pre class="code stack" data-testid="stack-trace">
            {stackText}
          </pre>
        ) : null}
        {!stackText && !(sample && sample.frames.length > 0) ? <Empty>No stack trace was received.</Empty> : null}
      </section>

      {sample && sample.breadcrumbs.length > 0 ? (
        <section class="section">
          <h2>Breadcrumbs</h2>
          <div class="table-wrap card">
            <table class="data compact" data-testid="breadcrumbs">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Category</th>
                  <th>Level</th>
                  <th>Message</th>
                  <th>Data</th>
                </tr>
              </thead>
              <tbody>
                {sample.breadcrumbs.map((b, i) => (
                  <tr key={i}>
                    <td class="mono small nowrap">{formatClock(b.timestamp)}</td>
                    <td>{b.category}</td>
                    <td>{b.level}</td>
                    <td class="wrap">{b.message}</td>
                    <td class="mono small wrap">{Object.keys(b.data).length > 0 ? display(b.data) : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      {sample && (Object.keys(sample.tags).length > 0 || Object.keys(sample.user).length > 0) ? (
        <section class="section detail-grid">
          <div>
            <h2>Tags</h2>
            <KeyValues data={sample.tags} />
          </div>
          <div>
            <h2>User</h2>
            <KeyValues data={sample.user} />
          </div>
        </section>
      ) : null}

      {occurrences.length > 0 ? (
        <section class="section">
          <h2>Recent occurrences</h2>
          <div class="table-wrap card">
            <table class="data compact" data-testid="error-occurrences">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Source</th>
                  <th>Service</th>
                  <th>Version</th>
                  <th>User</th>
                  <th>Trace</th>
                </tr>
              </thead>
              <tbody>
                {occurrences.slice(0, 20).map((o, i) => (
                  <tr key={i}>
                    <td class="mono small nowrap" title={formatIso(o.timestamp)}>
                      {formatDateTime(o.timestamp)}
                    </td>
                    <td>
                      <span class="tag">{o.source || '–'}</span>
                    </td>
                    <td class="nowrap">{o.service ? <ServiceChip service={o.service} /> : null}</td>
                    <td class="mono small">{o.version || '–'}</td>
                    <td class="mono small">{o.userId || '–'}</td>
                    <td class="nowrap">
                      {o.traceId ? (
                        <a class="mono small" href={href(['traces', o.traceId], { span: o.spanId || undefined })}>
                          {o.traceId.slice(0, 16)}…
                        </a>
                      ) : (
                        <span class="muted">–</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section class="section">
        <h2>
          Log records{' '}
          <a class="small" href={href(['logs'], { fingerprint })}>
            open in Logs →
          </a>
        </h2>
        {logs.length === 0 ? <Empty>No log records carry this fingerprint.</Empty> : null}
        {logs.length > 0 ? (
          <div class="table-wrap card">
            <table class="data compact" data-testid="error-log-table">
              <tbody>
                {logs.slice(0, 50).map((log) => (
                  <tr key={log.key}>
                    <td class="mono small nowrap" title={formatIso(log.timestamp)}>
                      {formatDateTime(log.timestamp)}
                    </td>
                    <td>
                      <LevelBadge level={log.level} />
                    </td>
                    <td class="nowrap">{log.service ? <ServiceChip service={log.service} /> : null}</td>
                    <td class="wrap">{log.message}</td>
                    <td class="nowrap">
                      {log.trace_id ? (
                        <a class="mono small" href={href(['traces', log.trace_id], { span: log.span_id || undefined })}>
                          trace {log.trace_id.slice(0, 8)}…
                        </a>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
