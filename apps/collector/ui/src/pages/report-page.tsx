import { useState } from 'preact/hooks';
import { apiUrl, getJson, getText } from '../api.js';
import { ErrorBox, Loading, PageHeader } from '../components/common.js';
import { Markdown } from '../components/markdown.js';
import { navigate } from '../router.js';
import { useFetch } from '../use-fetch.js';

type View = 'report' | 'json' | 'markdown';
const VIEWS: Array<{ id: View; label: string }> = [
  { id: 'report', label: 'Report' },
  { id: 'markdown', label: 'Markdown' },
  { id: 'json', label: 'JSON' },
];

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
  const json = useFetch(
    view === 'json' ? `${jsonUrl}#${generation}` : null,
    async (signal) => JSON.stringify(await getJson(jsonUrl, signal), null, 2),
    false,
  );
  const current = view === 'json' ? json : markdown;

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
          <article class="card report">
            <Markdown source={current.data} testId="report-body" />
          </article>
        ) : (
          <pre class="code report-source" data-testid="report-source">
            {current.data}
          </pre>
        )
      ) : null}
    </>
  );
}
