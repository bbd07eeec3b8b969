import type { TimeRange } from '@grafana/data';
import {
  type AnomalyFilters,
  type AnomalySort,
  DETECTION_KINDS,
  type DetectionKind,
  SEVERITIES,
  type Severity,
} from '../../api/engine-api';
import { DEFAULT_RANGE, parseRangeParam } from './time-range';

/** Orders the table offers; the first is the default. */
export const SORTS: readonly AnomalySort[] = ['score_desc', 'score_asc', 'time_desc', 'time_asc'];
/** The table's order when the URL names none: highest score first. */
export const DEFAULT_SORT: AnomalySort = 'score_desc';

/** Everything the explorer shows, as kept in the URL so that a link reproduces the view. */
export interface ExplorerState {
  /** Raw `from`/`to` (see {@link parseRangeParam}). */
  from: string;
  to: string;
  /** A Grafana time zone (`browser`, `utc`, an IANA name). */
  timezone: string;
  service: string | null;
  source: string | null;
  job: string | null;
  kind: DetectionKind | null;
  severity: Severity[];
  q: string;
  sort: AnomalySort;
  /** The anomaly open in the drawer. */
  anomaly: string | null;
  /** The tenant a link was made for (alerts and Loki lines carry it); the key decides what is shown. */
  tenant: string | null;
  /**
   * No time limit: a job's link without a range (the Jobs page's) shows all the job's anomalies, whatever the time
   * of their log lines. Choosing a range ends it.
   */
  allTime: boolean;
}

const text = (v: string | null): string | null => (v === null || v.trim() === '' ? null : v.trim());

function oneOf<T extends string>(list: readonly T[], v: string | null): T | null {
  return list.find((item) => item === v) ?? null;
}

/**
 * The explorer's state from its URL. Unknown values fall back to the defaults instead of failing; `series` (the
 * alerts' and Loki lines' name for a series, which is a detection's service) stands for `service`.
 */
export function parseExplorerParams(params: URLSearchParams): ExplorerState {
  const severity = (params.get('severity') ?? '')
    .split(',')
    .map((s) => oneOf(SEVERITIES, s.trim()))
    .filter((s): s is Severity => s !== null);
  const from = parseRangeParam(params.get('from'));
  const to = parseRangeParam(params.get('to'));
  const job = text(params.get('job'));
  return {
    from: from ?? DEFAULT_RANGE.from,
    to: to ?? DEFAULT_RANGE.to,
    timezone: text(params.get('timezone')) ?? 'browser',
    service: text(params.get('service')) ?? text(params.get('series')),
    source: text(params.get('source')),
    job,
    kind: oneOf(DETECTION_KINDS, params.get('kind')),
    severity: SEVERITIES.filter((s) => severity.includes(s)),
    q: params.get('q') ?? '',
    sort: oneOf(SORTS, params.get('sort')) ?? DEFAULT_SORT,
    anomaly: text(params.get('anomaly')),
    tenant: text(params.get('tenant')),
    allTime: job !== null && from === null && to === null,
  };
}

/** The URL query of a state, defaults left out so links stay short. */
export function explorerSearch(state: ExplorerState): URLSearchParams {
  const q = new URLSearchParams();
  const defaultRange = state.from === DEFAULT_RANGE.from && state.to === DEFAULT_RANGE.to;
  // A job without a range means all time, so a job's default range has to be written out.
  const writeRange = !state.allTime && (!defaultRange || state.job !== null);
  const entries: Array<[string, string | null]> = [
    ['from', writeRange ? state.from : null],
    ['to', writeRange ? state.to : null],
    ['timezone', state.timezone === 'browser' ? null : state.timezone],
    ['service', state.service],
    ['source', state.source],
    ['job', state.job],
    ['kind', state.kind],
    ['severity', state.severity.length ? state.severity.join(',') : null],
    ['q', state.q.trim() === '' ? null : state.q],
    ['sort', state.sort === DEFAULT_SORT ? null : state.sort],
    ['tenant', state.tenant],
    ['anomaly', state.anomaly],
  ];
  for (const [key, value] of entries) {
    if (value !== null) {
      q.set(key, value);
    }
  }
  return q;
}

/** The engine's filters for a state and its resolved time range (left out for {@link ExplorerState.allTime}). */
export function engineFilters(state: ExplorerState, range: TimeRange): AnomalyFilters {
  const filters: AnomalyFilters = state.allTime ? {} : { from: range.from.valueOf(), to: range.to.valueOf() };
  if (state.service) {
    filters.service = state.service;
  }
  if (state.source) {
    filters.source = state.source;
  }
  if (state.job) {
    filters.job = state.job;
  }
  if (state.kind) {
    filters.kind = state.kind;
  }
  if (state.severity.length) {
    filters.severity = state.severity;
  }
  if (state.q.trim()) {
    filters.q = state.q.trim();
  }
  return filters;
}

/** True when any filter besides the time range is set. */
export function hasFilters(state: ExplorerState): boolean {
  return Boolean(state.service || state.source || state.job || state.kind || state.severity.length || state.q.trim());
}
