import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';

/** Increments while live refresh is on; pages pass it to {@link useFetch} to poll. */
export const LiveTick = createContext(0);

export interface FetchState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/**
 * Loads `key` with `load` and re-runs it when the key or the live tick changes. The previous data stays on screen
 * while a refresh is in flight, so polling does not flicker; a stale answer never overwrites a newer one.
 */
export function useFetch<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>, live = true): FetchState<T> {
  const tick = useContext(LiveTick);
  const [state, setState] = useState<FetchState<T>>({ data: undefined, error: undefined, loading: key !== null });
  const lastKey = useRef<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const effectiveTick = live ? tick : 0;

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    const keyChanged = lastKey.current !== key;
    lastKey.current = key;
    setState((prev) => ({
      data: keyChanged ? undefined : prev.data,
      error: keyChanged ? undefined : prev.error,
      loading: true,
    }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const err = error instanceof Error ? error : new Error(String(error));
        setState((prev) => ({ data: prev.data, error: err, loading: false }));
      },
    );
    return () => controller.abort();
  }, [key, effectiveTick]);

  return state;
}
