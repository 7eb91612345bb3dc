import { apiUrl, getJson, parseRed, parseServices, parseTraceList } from '../api.js';
import { useFetch } from '../use-fetch.js';

/** Every service the collector has heard of, for filter suggestions. */
export function useServiceNames(): string[] {
  const { data } = useFetch(
    'service-names',
    async (signal) => {
      try {
        const services = parseServices(await getJson(apiUrl('services'), signal));
        if (services.length > 0) return services.map((s) => s.name).sort();
      } catch (error) {
        if (signal.aborted) throw error;
        // Older servers have no /api/services; RED and recent traces name the services too.
      }
      const names = new Set<string>();
      try {
        for (const s of parseRed(await getJson(apiUrl('metrics/red'), signal))) names.add(s.service);
      } catch (error) {
        if (signal.aborted) throw error;
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
