import { apiUrl, getJson, parseRed, parseTraceList } from '../api.js';
import { useFetch } from '../use-fetch.js';

/** Every service the collector has heard of, for filter suggestions (from RED metrics, else recent traces). */
export function useServiceNames(): string[] {
  const { data } = useFetch(
    'service-names',
    async (signal) => {
      const names = new Set<string>();
      try {
        for (const s of parseRed(await getJson(apiUrl('metrics/red'), signal))) names.add(s.service);
      } catch {
        // RED may be unavailable; the traces below still name the services.
      }
      for (const t of parseTraceList(await getJson(apiUrl('traces', { limit: 500 }), signal))) {
        for (const s of t.services) names.add(s);
      }
      return [...names].sort();
    },
    false,
  );
  return data ?? [];
}
