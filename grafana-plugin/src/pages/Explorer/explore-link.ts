import type { Detection } from '../../api/engine-api';

/** The Loki data source the stack provisions (`provisioning/datasources/datasources.yaml`). */
export const DEFAULT_LOKI_UID = 'outlier-loki';
/** How far around a detection Explore looks. */
export const EXPLORE_MARGIN_MS = 5 * 60_000;
/** Length of a window detection's window (the engine's `windowMs`). */
export const WINDOW_MS = 60_000;

/** The parts of a detection that say where its log lines are. */
export type ExploreDetection = Pick<Detection, 'id' | 'tenant' | 'service' | 'timestamp' | 'kind' | 'session_id'>;

/** A LogQL string literal: double-quoted, with `\` and `"` escaped as Loki reads them. */
export function logqlString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

/**
 * The LogQL that finds a detection's log lines. From a Loki source: the source's own query (narrowed to the
 * session for a session detection). Otherwise Outlier's detection stream, as the engine pushes it (labels
 * `source="outlier"`, tenant, service — `unknown` when it has none), filtered to this detection's JSON line.
 */
export function detectionLogql(d: ExploreDetection, lokiSourceQuery: string | null): string {
  if (lokiSourceQuery && lokiSourceQuery.trim()) {
    const query = lokiSourceQuery.trim();
    return d.kind === 'session' && d.session_id ? `${query} |= ${logqlString(d.session_id)}` : query;
  }
  const selector = `{source="outlier", tenant=${logqlString(d.tenant)}, service=${logqlString(d.service ?? 'unknown')}}`;
  return `${selector} | json | id=${logqlString(d.id)}`;
}

/**
 * The time Explore shows for a detection, epoch ms: its window for a window detection, otherwise five minutes
 * either side of it; the last ten minutes before `now` when it has no time.
 */
export function detectionTimeWindow(
  d: Pick<Detection, 'timestamp' | 'kind'>,
  now = Date.now()
): {
  from: number;
  to: number;
} {
  const t = d.timestamp ? Date.parse(d.timestamp) : Number.NaN;
  if (!Number.isFinite(t)) {
    return { from: now - 2 * EXPLORE_MARGIN_MS, to: now };
  }
  if (d.kind === 'window') {
    return { from: t, to: t + WINDOW_MS };
  }
  return { from: t - EXPLORE_MARGIN_MS, to: t + EXPLORE_MARGIN_MS };
}

/** Where an Explore link points. */
export interface ExploreUrlOptions {
  expr: string;
  from: number;
  to: number;
  /** Loki data source uid (the app's `jsonData.lokiDatasourceUid`). */
  datasourceUid: string;
  orgId: number;
  /** Grafana's sub-path (`config.appSubUrl`), empty at the root. */
  appSubUrl?: string;
}

/**
 * Grafana's Explore URL (schema version 1: one pane with one Loki query and an absolute range).
 *
 * @example
 * exploreUrl({ expr: '{app="shop"}', from: 0, to: 60000, datasourceUid: 'outlier-loki', orgId: 1 })
 * // '/explore?schemaVersion=1&orgId=1&panes=%7B%22outlier%22%3A…'
 */
export function exploreUrl(o: ExploreUrlOptions): string {
  const datasource = { type: 'loki', uid: o.datasourceUid };
  const panes = {
    outlier: {
      datasource: o.datasourceUid,
      queries: [{ refId: 'A', datasource, expr: o.expr, queryType: 'range', editorMode: 'code' }],
      range: { from: String(o.from), to: String(o.to) },
    },
  };
  return `${o.appSubUrl ?? ''}/explore?schemaVersion=1&orgId=${o.orgId}&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}
