// Hash routing: `#/traces/<id>?service=x`. The server only ever serves index.html, so every page is addressable
// and survives a reload without server cooperation.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments, decoded: `#/errors/a%2Fb` → `['errors', 'a/b']`. */
  segments: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)) };
}

export type Query = Record<string, string | number | undefined | null>;

/** `href(['errors', fp], { tab: 'logs' })` → `#/errors/<fp>?tab=logs`; empty parameters are left out. */
export function href(segments: string[], query: Query = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const q = search.toString();
  return `#/${segments.map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;
}

export function navigate(segments: string[], query: Query = {}, replace = false): void {
  const target = href(segments, query);
  if (replace) history.replaceState(null, '', target);
  else location.hash = target;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
