import {
  ApiError,
  apiUrl,
  arr,
  display,
  type ErrorGroup,
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
  /** False when the server has no `/api/errors/:fingerprint`; the page is then built from the list and the logs. */
  fromDetailEndpoint: boolean;
}

async function loadDetail(fingerprint: string, signal: AbortSignal): Promise<ErrorDetail> {
  const logsUrl = apiUrl('logs', { q: fingerprint });
  const logsPromise = getJson(logsUrl, signal).then(parseLogs, () => [] as LogRecord[]);
  let group: ErrorGroup | undefined;
  let sample: ErrorSample | undefined;
  let fromDetailEndpoint = false;
  try {
    const raw = obj(await getJson(apiUrl(`errors/${encodeURIComponent(fingerprint)}`), signal));
    const groupRaw = isObject(raw.group) ? raw.group : raw;
    if (str(groupRaw.fingerprint)) {
      group = parseErrorGroup(groupRaw);
      fromDetailEndpoint = true;
      const sampleRaw = first(raw, 'sample', 'sampleEvent', 'event', 'latestEvent') ?? arr(raw.events)[0];
      sample = parseErrorSample(sampleRaw);
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
  return { group, sample, logs, fromDetailEndpoint };
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

  const { group, sample, logs } = data;
  const traceId = group.sampleTraceId || sample?.traceId || logs.find((l) => l.trace_id)?.trace_id || '';
  const stackText = sample?.stackTrace ?? '';
  const logTimes = logs.map((l) => l.timestamp).filter((t): t is number => t !== undefined);

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
        <a class="button" href={href(['logs'], { q: fingerprint })} data-testid="error-logs-link">
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
        {traceId ? (
          <Field label="Sample trace">
            <a class="mono" href={href(['traces', traceId])}>
              {traceId}
            </a>
          </Field>
        ) : null}
      </section>

      {logTimes.length > 1 ? (
        <section class="section">
          <h2>Occurrences</h2>
          <Histogram layers={[{ name: 'events', className: 'h-error', times: logTimes }]} testId="error-histogram" />
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

      <section class="section">
        <h2>
          Log records{' '}
          <a class="small" href={href(['logs'], { q: fingerprint })}>
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
