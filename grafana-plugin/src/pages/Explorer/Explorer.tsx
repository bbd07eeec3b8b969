import React, { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { css } from '@emotion/css';
import { type GrafanaTheme2, type TimeRange, usePluginContext } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, EmptyState, LoadingPlaceholder, Stack, TimeRangePicker, useStyles2 } from '@grafana/ui';
import { useEngineApi } from '../../api/context';
import type { AnomalyFilters, AnomalyHistogram, Detection } from '../../api/engine-api';
import { testIds } from '../../components/testIds';
import { AnomalyDrawer } from './AnomalyDrawer';
import { AnomalyTable } from './AnomalyTable';
import { DEFAULT_LOKI_UID } from './explore-link';
import { type FilterPatch, Filters } from './Filters';
import { ScoreChart } from './ScoreChart';
import { absoluteRange, rangeParamOf, resolveRange, shiftRange, zoomOutRange } from './time-range';
import { engineFilters, type ExplorerState, explorerSearch, hasFilters, parseExplorerParams } from './url-state';
import { useAnomalyList, useDetection, useEngineInfo, useFacets, useHistogram } from './use-explorer-data';

/** The Loki data source of the app's settings (`jsonData.lokiDatasourceUid`), else the provisioned one. */
function useLokiDatasourceUid(): string {
  const uid: unknown = usePluginContext()?.meta.jsonData?.lokiDatasourceUid;
  return typeof uid === 'string' && uid.trim() ? uid.trim() : DEFAULT_LOKI_UID;
}

const MINUTE_MS = 60_000;

/**
 * The range of a job's all-time view: the span of its anomalies, widened by a bucket on each side so that the
 * first and last bars show whole, to whole minutes. While the filters match nothing (or the chart loads), the job's
 * last span stays.
 */
function useAllTimeRange(job: string | null, histogram: AnomalyHistogram | null): TimeRange | null {
  const [kept, setKept] = useState<{ job: string | null; of: AnomalyHistogram; range: TimeRange } | null>(null);
  if (histogram && kept?.of !== histogram && histogram.buckets.some((b) => b.count > 0)) {
    const from = Math.floor((histogram.from - histogram.step_ms) / MINUTE_MS) * MINUTE_MS;
    const to = Math.ceil((histogram.to + histogram.step_ms) / MINUTE_MS) * MINUTE_MS;
    const range = absoluteRange(from, to);
    setKept({ job, of: histogram, range });
  }
  if (kept && kept.job === job) {
    return kept.range;
  }
  return histogram ? absoluteRange(histogram.from, histogram.to) : null;
}

/**
 * The anomaly explorer: time range and filters kept in the URL, the score over time, the anomalies sorted on the
 * engine with keyset pages, and a drawer with one anomaly's evidence. The list is asked for first; the chart and
 * the filters' choices follow once it is in, so rows show as soon as the engine answers.
 */
export function ExplorerView() {
  const api = useEngineApi();
  const s = useStyles2(getStyles);
  const lokiDatasourceUid = useLokiDatasourceUid();
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => parseExplorerParams(params), [params]);
  // When relative ranges ("now-24h") were last resolved.
  const [now, setNow] = useState(() => Date.now());

  const update = useCallback(
    (patch: Partial<ExplorerState>) => {
      // A new view resolves relative ranges again; opening an anomaly or re-sorting keeps the same instant.
      if (!('anomaly' in patch) && !('sort' in patch)) {
        setNow(Date.now());
      }
      setParams((prev) => explorerSearch({ ...parseExplorerParams(prev), ...patch }));
    },
    [setParams]
  );

  const resolved: TimeRange = useMemo(
    () => resolveRange(state.from, state.to, state.timezone, now),
    [state.from, state.to, state.timezone, now]
  );
  const filtersJson = JSON.stringify(engineFilters(state, resolved));
  // One object per distinct value: opening an anomaly or re-sorting does not ask for the chart again.
  const filters = useMemo<AnomalyFilters>(() => JSON.parse(filtersJson), [filtersJson]);
  // A refresh asks again even when an absolute range resolves to the same filters.
  const filtersKey = `${now}:${filtersJson}`;

  const list = useAnomalyList(api, filters, filtersKey, state.sort);
  const histogram = useHistogram(api, filters, filtersKey, list.settled);
  const facets = useFacets(api, filters.from, filters.to, list.settled);
  // Without a time limit the range shown is the one the engine found the job's anomalies in.
  const allTimeRange = useAllTimeRange(state.job, state.allTime && !histogram.loading ? histogram.data : null);
  const range = state.allTime && allTimeRange ? allTimeRange : resolved;
  const info = useEngineInfo(api);

  const [explained, setExplained] = useState<Record<string, Detection>>({});
  const selected = useDetection(
    api,
    state.anomaly,
    list.items.find((d) => d.id === state.anomaly)
  );
  const shown = state.anomaly && explained[state.anomaly] ? explained[state.anomaly] : selected.detection;
  const onExplained = (d: Detection) => {
    setExplained((m) => ({ ...m, [d.id]: d }));
    list.replace(d);
  };

  const onFilters = useCallback((patch: FilterPatch) => update(patch), [update]);
  const setRange = (r: { from: string; to: string }) => update({ ...r, allTime: false });
  // A job's own view (its link, no time range) keeps the job: without it the view would become the last 24 hours.
  const keptJob = state.allTime ? state.job : null;
  const filtered = hasFilters(keptJob ? { ...state, job: null } : state);
  const clearFilters = () => update({ service: null, source: null, job: keptJob, kind: null, severity: [], q: '' });

  return (
    <div data-testid={testIds.explorer.container}>
      <div className={s.toolbar}>
        {state.allTime && (
          <span className={s.muted}>
            All anomalies of this job, whatever their time; pick a time range to narrow them.
          </span>
        )}
        <TimeRangePicker
          value={range}
          timeZone={state.timezone}
          onChange={(r) => setRange({ from: rangeParamOf(r.raw.from), to: rangeParamOf(r.raw.to) })}
          onChangeTimeZone={(timezone) => update({ timezone })}
          onMoveBackward={() => setRange(shiftRange(range, -1))}
          onMoveForward={() => setRange(shiftRange(range, 1))}
          onZoom={() => setRange(zoomOutRange(range))}
        />
        <Button variant="secondary" icon="sync" onClick={() => setNow(Date.now())} tooltip="Ask the engine again">
          Refresh
        </Button>
      </div>
      {state.tenant && info && info.tenant !== state.tenant && (
        <Alert severity="info" title={`This link is for tenant “${state.tenant}”`}>
          The app is connected to tenant “{info.tenant}”: the anomalies below are that tenant’s.
        </Alert>
      )}
      <Filters state={state} facets={facets.data} facetsLoading={facets.loading} onChange={onFilters} />
      {/* When the list cannot be loaded, the chart would only repeat its error. */}
      {!list.error && (
        <ScoreChart
          histogram={histogram.data}
          loading={histogram.loading}
          error={histogram.error}
          timeRange={range}
          timeZone={state.timezone}
        />
      )}
      {list.error && (
        <Alert severity="error" title="The anomalies could not be loaded">
          {list.error}
        </Alert>
      )}
      {list.items.length === 0 ? (
        list.loading ? (
          <LoadingPlaceholder text="Loading anomalies…" />
        ) : (
          !list.error && (
            <EmptyState variant="not-found" message="No anomalies found">
              {filtered ? (
                <Stack direction="column" alignItems="center" gap={2}>
                  <span>Nothing matches these filters in this time range.</span>
                  <Button variant="secondary" onClick={clearFilters}>
                    Clear filters
                  </Button>
                </Stack>
              ) : keptJob ? (
                'This job found no anomalies.'
              ) : (
                'Nothing was flagged in this time range. Widen the time range, upload a log, or wait for a source’s next run.'
              )}
            </EmptyState>
          )
        )
      ) : (
        <AnomalyTable
          items={list.items}
          sort={state.sort}
          onSort={(sort) => update({ sort })}
          onOpen={(anomaly) => update({ anomaly })}
          selectedId={state.anomaly}
          timeZone={state.timezone}
          stale={list.loading}
          nextCursor={list.nextCursor}
          loadingMore={list.loadingMore}
          onLoadMore={list.loadMore}
        />
      )}
      {state.anomaly && (
        <AnomalyDrawer
          api={api}
          detection={shown}
          error={selected.error}
          info={info}
          lokiDatasourceUid={lokiDatasourceUid}
          timeZone={state.timezone}
          onClose={() => update({ anomaly: null })}
          onChange={onExplained}
        />
      )}
    </div>
  );
}

function Explorer() {
  return (
    <PluginPage>
      <ExplorerView />
    </PluginPage>
  );
}

export default Explorer;

const getStyles = (theme: GrafanaTheme2) => ({
  toolbar: css`
    display: flex;
    justify-content: flex-end;
    align-items: center;
    gap: ${theme.spacing(1)};
    margin-bottom: ${theme.spacing(2)};
  `,
  muted: css`
    color: ${theme.colors.text.secondary};
    font-size: ${theme.typography.bodySmall.fontSize};
  `,
});
