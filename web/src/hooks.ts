import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, type Query } from './api.ts';
import { readView, type ViewState, writeView } from './lib/url-state.ts';
import { navigate, useLocation } from './router.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/** GETs an API path whenever it or its query changes; the previous request is aborted. null path: nothing. */
export function useApi<T>(path: string | null, query?: Query): Loaded<T> {
  const key = path === null ? null : `${path}?${JSON.stringify(query ?? {})}`;
  const [state, setState] = useState<{ key: string | null; data?: T; error?: Error; loading: boolean }>({
    key: null,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  const queryRef = useRef(query);
  queryRef.current = query;
  useEffect(() => {
    if (path === null) {
      setState({ key, loading: false });
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ key, data: s.key === key ? s.data : undefined, loading: true }));
    get<T>(path, queryRef.current, ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ key, data, loading: false }),
      (error: Error) => !ctl.signal.aborted && error.name !== 'AbortError' && setState({ key, error, loading: false }),
    );
    return () => ctl.abort();
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || state.loading,
    reload,
  };
}

/** The view (date, clusters, search, sort, columns) carried by the URL, and a way to change it. */
export function useView(): [ViewState, (patch: Partial<ViewState>, opts?: { replace?: boolean }) => void] {
  const loc = useLocation();
  const view = readView(loc.search);
  const setView = useCallback((patch: Partial<ViewState>, opts: { replace?: boolean } = {}) => {
    navigate(window.location.pathname + writeView(window.location.search, patch), opts);
  }, []);
  return [view, setView];
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Runs `fn` every `ms` while mounted (and `active`). */
export function useInterval(fn: () => void, ms: number, active = true): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => ref.current(), ms);
    return () => clearInterval(id);
  }, [ms, active]);
}
