import { useState } from 'preact/hooks';
import { apiUrl, arr, getJson, getText, num, obj, parseErrorGroups, str } from '../api.js';
import { ErrorBox, Field, formatNumber, formatPercent, Loading, PageHeader } from '../components/common.js';
import { LineChart } from '../components/line-chart.js';
import { type CodeLinker, Markdown } from '../components/markdown.js';
import { href, navigate } from '../router.js';
import { formatDateTime, formatIso, toEpochMs } from '../time.js';
import { useFetch } from '../use-fetch.js';

type View = 'report' | 'json' | 'markdown';
const VIEWS: Array<{ id: View; label: string }> = [
  { id: 'report', label: 'Report' },
  { id: 'markdown', label: 'Markdown' },
  { id: 'json', label: 'JSON' },
];

interface ReportSummary {
  requests: number | undefined;
  failedRequests: number | undefined;
  errorRatio: number | undefined;
  usersAffected: number | undefined;
  errorGroups: number | undefined;
  firstErrorAt: number | undefined;
  services: string[];
  series: Array<{ t: number; ratio: number | undefined; failed: number | undefined }>;
}

function parseSummary(raw: unknown): ReportSummary | undefined {
  const s = obj(obj(raw).summary);
  if (Object.keys(s).length === 0) return undefined;
  return {
    requests: num(s.requests),
    failedRequests: num(s.failedRequests),
    errorRatio: num(s.errorRatio),
    usersAffected: num(s.usersAffected),
    errorGroups: num(s.errorGroups),
    firstErrorAt: toEpochMs(s.firstErrorAt),
    services: arr(s.services).map(str).filter(Boolean),
    series: arr(s.errorRatioOverTime)
      .map((p) => {
        const o = obj(p);
        return { t: toEpochMs(o.time) ?? Number.NaN, ratio: num(o.errorRatio), failed: num(o.failedRequests) };
      })
      .filter((p) => Number.isFinite(p.t)),
  };
}

/** The numbers and the error-ratio curve on top of the report, from its JSON form: easier to take in than a table. */
function SummaryStrip({ summary }: { summary: ReportSummary }) {
  return (
    <>
      <section class="summary card" data-testid="report-summary">
        <Field label="Failed requests">
          <span class={summary.failedRequests ? 'text-error' : undefined}>
            {formatNumber(summary.failedRequests, 0)} of {formatNumber(summary.requests, 0)}
          </span>
        </Field>
        <Field label="Error ratio">{formatPercent(summary.errorRatio)}</Field>
        <Field label="Users affected">{formatNumber(summary.usersAffected, 0)}</Field>
        <Field label="Error groups">{formatNumber(summary.errorGroups, 0)}</Field>
        <Field label="First error">
          <span title={formatIso(summary.firstErrorAt)}>{formatDateTime(summary.firstErrorAt)}</span>
        </Field>
        <Field label="Services with errors">{summary.services.join(', ') || '–'}</Field>
      </section>
      {summary.series.length > 1 ? (
        <LineChart
          testId="report-error-chart"
          title="Error ratio over time (entry requests)"
          series={[
            { name: 'error ratio', color: 'var(--error)', points: summary.series.map((p) => ({ t: p.t, v: p.ratio })) },
          ]}
          format={formatPercent}
          minYMax={0.05}
          height={150}
        />
      ) : null}
    </>
  );
}

export function ReportPage({ query }: { query: URLSearchParams }) {
  const view = (VIEWS.find((v) => v.id === query.get('view'))?.id ?? 'report') as View;
  const [generation, setGeneration] = useState(0);
  const markdownUrl = apiUrl('report', { format: 'markdown' });
  const jsonUrl = apiUrl('report', { format: 'json' });
  const markdown = useFetch(
    view === 'json' ? null : `${markdownUrl}#${generation}`,
    (signal) => getText(markdownUrl, signal),
    false,
  );
  // The JSON form feeds the summary strip and chart above the Markdown, and the JSON view.
  const json = useFetch(
    `${jsonUrl}#${generation}`,
    async (signal) => {
      const raw = await getJson(jsonUrl, signal);
      return { text: JSON.stringify(raw, null, 2), summary: parseSummary(raw) };
    },
    false,
  );
  const groups = useFetch(
    apiUrl('errors'),
    async (signal) => parseErrorGroups(await getJson(apiUrl('errors'), signal)),
    false,
  );
  const fingerprints = new Set((groups.data ?? []).map((g) => g.fingerprint));
  // Fingerprints in the report link to their error group, trace ids (handled by Markdown) to their waterfall.
  const linker: CodeLinker = (code) => (fingerprints.has(code) ? href(['errors', code]) : undefined);
  const current = view === 'json' ? { ...json, data: json.data?.text } : markdown;

  return (
    <>
      <PageHeader title="Incident report">
        <div class="segmented" role="tablist">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              type="button"
              role="tab"
              aria-selected={view === v.id}
              class={view === v.id ? 'active' : undefined}
              data-testid={`report-view-${v.id}`}
              onClick={() => navigate(['report'], { view: v.id === 'report' ? undefined : v.id }, true)}
            >
              {v.label}
            </button>
          ))}
        </div>
        <button type="button" class="button" data-testid="report-refresh" onClick={() => setGeneration(generation + 1)}>
          Regenerate
        </button>
        <a
          class="button"
          href={view === 'json' ? jsonUrl : markdownUrl}
          download={view === 'json' ? 'incident-report.json' : 'incident-report.md'}
        >
          Download
        </a>
      </PageHeader>
      <p class="muted lead">
        Built from the data in this collector: every statement carries the ids to look it up. Trace ids link to their
        waterfall.
      </p>
      {current.error ? <ErrorBox error={current.error} /> : null}
      {!current.data && current.loading ? <Loading what="report" /> : null}
      {current.data !== undefined ? (
        view === 'report' ? (
          <>
            {json.data?.summary ? <SummaryStrip summary={json.data.summary} /> : null}
            <article class="card report">
              <Markdown source={current.data} testId="report-body" linker={linker} />
            </article>
          </>
        ) : (
          <pre class="code report-source" data-testid="report-source">
            {current.data}
          </pre>
        )
      ) : null}
    </>
  );
}
