import { useCallback, useEffect, useState } from 'react';
import {
  type AnomalyFacets,
  type AnomalyFilters,
  type AnomalyHistogram,
  type AnomalySort,
  type Detection,
  type EngineApi,
  EngineError,
  type EngineInfo,
} from '../../api/engine-api';

/** Rows asked for per page. */
export const PAGE_SIZE = 50;

/** An error in words for the page; a refused key says what to do about it. */
export function messageOf(err: unknown): string {
  if (err instanceof EngineError && err.code === 'invalid_api_key') {
    return `The engine refused the app’s API key (${err.message}). Set a valid key in the app’s configuration.`;
  }
  return err instanceof Error && err.message ? err.message : 'Something went wrong while talking to the engine.';
}

/** The anomaly list of the current filters and order. */
export interface AnomalyList {
  items: Detection[];
  nextCursor: string | null;
  /** The first page of the current filters and order is on its way (the items are older ones). */
  loading: boolean;
  loadingMore: boolean;
  error: string | null;
  /** The list has answered for these filters (in some order): requests that wait for it may go. */
  settled: boolean;
  loadMore: () => void;
  /** Puts a changed detection (an LLM explanation) in place of the listed one. */
  replace: (d: Detection) => void;
}

interface ListPage {
  /** The filters key and order it answers. */
  filtersKey: string;
  sort: AnomalySort;
  items: Detection[];
  nextCursor: string | null;
  error: string | null;
}

/**
 * Pages of anomalies. `filters` must change identity only when `filtersKey` changes. A new key or order starts
 * again at the first page (a cursor continues only its own order); answers to older requests are dropped.
 */
export function useAnomalyList(
  api: EngineApi,
  filters: AnomalyFilters,
  filtersKey: string,
  sort: AnomalySort
): AnomalyList {
  const [page, setPage] = useState<ListPage | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    api
      .listAnomalies(filters, { sort, limit: PAGE_SIZE }, ctl.signal)
      .then((p) => setPage({ filtersKey, sort, items: p.items, nextCursor: p.next_cursor, error: null }))
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) {
          setPage({ filtersKey, sort, items: [], nextCursor: null, error: messageOf(err) });
        }
      });
    return () => ctl.abort();
  }, [api, filters, filtersKey, sort]);

  const current = page !== null && page.filtersKey === filtersKey && page.sort === sort;
  const cursor = current ? page.nextCursor : null;
  const loadMore = useCallback(() => {
    if (!cursor) {
      return;
    }
    const same = (p: ListPage | null): p is ListPage => p !== null && p.filtersKey === filtersKey && p.sort === sort;
    setLoadingMore(true);
    api
      .listAnomalies(filters, { sort, cursor, limit: PAGE_SIZE })
      .then((p) =>
        setPage((prev) =>
          same(prev) ? { ...prev, items: [...prev.items, ...p.items], nextCursor: p.next_cursor, error: null } : prev
        )
      )
      .catch((err: unknown) => setPage((prev) => (same(prev) ? { ...prev, error: messageOf(err) } : prev)))
      .finally(() => setLoadingMore(false));
  }, [api, filters, filtersKey, sort, cursor]);

  const replace = useCallback(
    (d: Detection) =>
      setPage((prev) => (prev ? { ...prev, items: prev.items.map((x) => (x.id === d.id ? d : x)) } : prev)),
    []
  );

  return {
    items: page?.items ?? [],
    nextCursor: cursor,
    loading: !current,
    loadingMore,
    error: current ? page.error : null,
    settled: page !== null && page.filtersKey === filtersKey,
    loadMore,
    replace,
  };
}

/** An answer and the key it answers, so that an answer to older filters is never shown as current. */
interface Keyed<T> {
  key: string;
  data: T | null;
  error: string | null;
}

/** What a deferred request gives the page: the latest answer (kept while a newer one loads). */
export interface Deferred<T> {
  data: T | null;
  loading: boolean;
  error: string | null;
}

function deferred<T>(state: Keyed<T> | null, key: string): Deferred<T> {
  const fresh = state?.key === key;
  // The previous answer stays on screen until the new one arrives, so the chart does not blink.
  return { data: state?.data ?? null, loading: !fresh, error: fresh ? state.error : null };
}

/** The histogram of the current filters, asked for once the list has answered (`ready`). */
export function useHistogram(
  api: EngineApi,
  filters: AnomalyFilters,
  filtersKey: string,
  ready: boolean
): Deferred<AnomalyHistogram> {
  const [state, setState] = useState<Keyed<AnomalyHistogram> | null>(null);
  useEffect(() => {
    if (!ready) {
      return;
    }
    const ctl = new AbortController();
    api
      .anomalyHistogram(filters, 120, ctl.signal)
      .then((data) => setState({ key: filtersKey, data, error: null }))
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) {
          setState({ key: filtersKey, data: null, error: messageOf(err) });
        }
      });
    return () => ctl.abort();
  }, [api, filters, filtersKey, ready]);
  return deferred(state, filtersKey);
}

/** Services, sources and jobs of the time range (all time without one), once the list has answered (`ready`). */
export function useFacets(
  api: EngineApi,
  from: number | undefined,
  to: number | undefined,
  ready: boolean
): Deferred<AnomalyFacets> {
  const [state, setState] = useState<Keyed<AnomalyFacets> | null>(null);
  const key = `${from ?? ''}-${to ?? ''}`;
  useEffect(() => {
    if (!ready) {
      return;
    }
    const ctl = new AbortController();
    api
      .anomalyFacets({ from, to }, ctl.signal)
      .then((data) => setState({ key, data, error: null }))
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) {
          setState({ key, data: null, error: messageOf(err) });
        }
      });
    return () => ctl.abort();
  }, [api, from, to, key, ready]);
  return deferred(state, key);
}

/** The engine's info (tenant, LLM); `null` until it arrives or when it cannot be had. */
export function useEngineInfo(api: EngineApi): EngineInfo | null {
  const [info, setInfo] = useState<EngineInfo | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    api
      .info(ctl.signal)
      .then(setInfo)
      .catch(() => !ctl.signal.aborted && setInfo(null));
    return () => ctl.abort();
  }, [api]);
  return info;
}

/** The detection the drawer shows: the listed one, or fetched by id (a link straight to an anomaly). */
export function useDetection(
  api: EngineApi,
  id: string | null,
  listed: Detection | undefined
): { detection: Detection | null; error: string | null } {
  const [fetched, setFetched] = useState<Keyed<Detection> | null>(null);
  const needFetch = id !== null && listed === undefined;
  useEffect(() => {
    if (!needFetch || id === null) {
      return;
    }
    const ctl = new AbortController();
    api
      .getAnomaly(id, ctl.signal)
      .then((detection) => setFetched({ key: id, data: detection, error: null }))
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) {
          setFetched({ key: id, data: null, error: messageOf(err) });
        }
      });
    return () => ctl.abort();
  }, [api, id, needFetch]);
  if (id === null) {
    return { detection: null, error: null };
  }
  if (listed) {
    return { detection: listed, error: null };
  }
  return fetched?.key === id ? { detection: fetched.data, error: fetched.error } : { detection: null, error: null };
}
