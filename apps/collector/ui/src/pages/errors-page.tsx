import { apiUrl, getJson, parseErrorGroups } from '../api.js';
import { Empty, ErrorBox, Loading, PageHeader, ServiceChip, SeverityBadge } from '../components/common.js';
import { href } from '../router.js';
import { formatAgo, formatDateTime, formatIso } from '../time.js';
import { useFetch } from '../use-fetch.js';

export function ErrorsPage() {
  const url = apiUrl('errors');
  const { data, error, loading } = useFetch(url, async (signal) => parseErrorGroups(await getJson(url, signal)));
  const groups = [...(data ?? [])].sort((a, b) => (b.lastSeen ?? 0) - (a.lastSeen ?? 0) || b.count - a.count);
  const maxCount = Math.max(1, ...groups.map((g) => g.count));

  return (
    <>
      <PageHeader title="Errors">{loading && data ? <span class="muted small">refreshing…</span> : null}</PageHeader>
      <p class="muted lead">
        Errors grouped by fingerprint: one group per failure, however many times it happened and whichever line number
        it was thrown from.
      </p>
      {error ? <ErrorBox error={error} /> : null}
      {!data && loading ? <Loading what="error groups" /> : null}
      {data && groups.length === 0 ? <Empty>No errors received. Nice.</Empty> : null}
      {groups.length > 0 ? (
        <div class="table-wrap card">
          <table class="data" data-testid="error-table">
            <thead>
              <tr>
                <th>Error</th>
                <th class="num">Events</th>
                <th class="num">Users</th>
                <th>Services</th>
                <th>Versions</th>
                <th>First seen</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.fingerprint} data-testid="error-row" data-fingerprint={g.fingerprint}>
                  <td class="wrap error-cell">
                    <a href={href(['errors', g.fingerprint])} class="strong" data-testid="error-link">
                      {g.type}
                    </a>{' '}
                    <SeverityBadge severity={g.severity} />
                    {g.category ? <span class="tag">{g.category}</span> : null}
                    <div class="error-message">{g.message}</div>
                    <div class="mono muted small">{g.fingerprint}</div>
                  </td>
                  <td class="num">
                    <div class="count-cell">
                      <span class="count-bar" style={{ width: `${Math.max(4, (g.count / maxCount) * 60)}px` }} />
                      {g.count}
                    </div>
                  </td>
                  <td class="num">{g.users ?? '–'}</td>
                  <td>
                    <div class="chips">
                      {g.services.map((s) => (
                        <ServiceChip key={s} service={s} />
                      ))}
                    </div>
                  </td>
                  <td class="mono small">{g.versions.join(', ') || '–'}</td>
                  <td class="nowrap" title={formatIso(g.firstSeen)}>
                    {formatDateTime(g.firstSeen)}
                  </td>
                  <td class="nowrap" title={formatIso(g.lastSeen)}>
                    {formatAgo(g.lastSeen)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
