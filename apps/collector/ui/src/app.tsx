import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiUrl, getJson, parseStats } from './api.js';
import { formatNumber } from './components/common.js';
import { ErrorPage } from './pages/error-page.js';
import { ErrorsPage } from './pages/errors-page.js';
import { LogsPage } from './pages/logs-page.js';
import { ReportPage } from './pages/report-page.js';
import { ServicesPage } from './pages/services-page.js';
import { TracePage } from './pages/trace-page.js';
import { TracesPage } from './pages/traces-page.js';
import { href, type Route, useRoute } from './router.js';
import { LiveTick, useFetch } from './use-fetch.js';

const LIVE_INTERVAL_MS = 5000;
type Theme = 'auto' | 'light' | 'dark';

const NAV: Array<{ id: string; label: string }> = [
  { id: 'services', label: 'Services' },
  { id: 'traces', label: 'Traces' },
  { id: 'logs', label: 'Logs' },
  { id: 'errors', label: 'Errors' },
  { id: 'report', label: 'Incident report' },
];

function readSetting<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const value = localStorage.getItem(key);
    return allowed.includes(value as T) ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

function writeSetting(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode or storage disabled: the setting lasts for this page only.
  }
}

function page(route: Route): ComponentChildren {
  const [section = 'services', id] = route.segments;
  switch (section) {
    case 'traces':
      return id ? <TracePage key={id} traceId={id} query={route.query} /> : <TracesPage query={route.query} />;
    case 'logs':
      return <LogsPage query={route.query} />;
    case 'errors':
      return id ? <ErrorPage key={id} fingerprint={id} /> : <ErrorsPage />;
    case 'report':
      return <ReportPage query={route.query} />;
    case 'services':
      return <ServicesPage query={route.query} />;
    default:
      return (
        <div class="state" data-testid="not-found">
          No page here. <a href={href(['services'])}>Go to services</a>
        </div>
      );
  }
}

/** What the store holds, and what it had to drop: evictions must be visible, not silent. */
function StoreStats() {
  const url = apiUrl('stats');
  const { data } = useFetch(url, async (signal) => parseStats(await getJson(url, signal)));
  if (!data) return null;
  const evicted = Object.values(data.evicted).reduce((a, b) => a + b, 0);
  const rows: Array<[string, number | undefined]> = [
    ['traces', data.stored.traces],
    ['spans', data.stored.spans],
    ['logs', data.stored.logs],
    ['error groups', data.stored.errorGroups],
  ];
  return (
    <div class="store-stats" data-testid="store-stats">
      {rows.map(([label, n]) =>
        n === undefined ? null : (
          <div key={label}>
            <span class="muted">{label}</span> <b>{formatNumber(n, 0)}</b>
          </div>
        ),
      )}
      {evicted > 0 ? (
        <div
          class="evicted"
          title={Object.entries(data.evicted)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k}: ${n}`)
            .join('\n')}
        >
          {formatNumber(evicted, 0)} evicted (store limits)
        </div>
      ) : null}
    </div>
  );
}

export function App() {
  const route = useRoute();
  const section = route.segments[0] ?? 'services';
  const [live, setLive] = useState(() => readSetting('otelkit.live', ['on', 'off'] as const, 'on') === 'on');
  const [theme, setTheme] = useState<Theme>(() =>
    readSetting('otelkit.theme', ['auto', 'light', 'dark'] as const, 'auto'),
  );
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, LIVE_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [live]);

  useEffect(() => {
    if (theme === 'auto') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);

  const nextTheme: Theme = theme === 'auto' ? 'light' : theme === 'light' ? 'dark' : 'auto';

  return (
    <LiveTick.Provider value={tick}>
      <div class="shell">
        <div class="sidebar-cell">
          <nav class="sidebar" aria-label="Sections">
            <a class="brand" href={href(['services'])}>
              <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
                <rect x="6" y="9" width="14" height="4" rx="2" fill="#60a5fa" />
                <rect x="11" y="15" width="15" height="4" rx="2" fill="#34d399" />
                <rect x="9" y="21" width="8" height="4" rx="2" fill="#f87171" />
              </svg>
              <span>
                otelkit <span class="muted">collector</span>
              </span>
            </a>
            <ul>
              {NAV.map((item) => (
                <li key={item.id}>
                  <a
                    href={href([item.id])}
                    class={section === item.id ? 'active' : undefined}
                    aria-current={section === item.id ? 'page' : undefined}
                    data-testid={`nav-${item.id}`}
                  >
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
            <div class="sidebar-foot">
              <StoreStats />
              <button
                type="button"
                class={`toggle${live ? ' on' : ''}`}
                aria-pressed={live}
                data-testid="live-toggle"
                title="Refresh the current page every 5 seconds"
                onClick={() => {
                  setLive(!live);
                  writeSetting('otelkit.live', live ? 'off' : 'on');
                }}
              >
                <span class="live-dot" /> {live ? 'Live' : 'Paused'}
              </button>
              <button
                type="button"
                class="toggle"
                data-testid="theme-toggle"
                title={`Theme: ${theme} (click for ${nextTheme})`}
                onClick={() => {
                  setTheme(nextTheme);
                  writeSetting('otelkit.theme', nextTheme);
                }}
              >
                Theme: {theme}
              </button>
            </div>
          </nav>
        </div>
        <main class="content" data-testid={`page-${section}`}>
          {page(route)}
        </main>
      </div>
    </LiveTick.Provider>
  );
}
