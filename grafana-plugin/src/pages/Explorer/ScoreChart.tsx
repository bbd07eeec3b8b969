import React, { useEffect, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { applyFieldOverrides, type GrafanaTheme2, type TimeRange } from '@grafana/data';
import { LegendDisplayMode, type TimeZone } from '@grafana/schema';
import { Alert, LoadingPlaceholder, TimeSeries, useStyles2, useTheme2 } from '@grafana/ui';
import type { AnomalyHistogram } from '../../api/engine-api';
import { testIds } from '../../components/testIds';
import { formatScore } from './format';
import { histogramFrames } from './score-frames';

/** Height of the plot area, legend included. */
const HEIGHT = 220;
/** Width used until the container has been measured (and in jsdom, which lays nothing out). */
const FALLBACK_WIDTH = 800;

/** The width of an element, followed as it resizes. */
function useWidth(ref: React.RefObject<HTMLElement>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) {
      return;
    }
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w !== undefined) {
        setWidth(Math.floor(w));
      }
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export interface ScoreChartProps {
  histogram: AnomalyHistogram | null;
  loading: boolean;
  error: string | null;
  timeRange: TimeRange;
  timeZone: TimeZone;
}

/** Highest anomaly score over time, with the observed value and its expected band when there is one. */
export function ScoreChart({ histogram, loading, error, timeRange, timeZone }: ScoreChartProps) {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const box = useRef<HTMLDivElement>(null);
  const measured = useWidth(box);
  const frames = useMemo(
    () =>
      histogram
        ? applyFieldOverrides({
            data: histogramFrames(histogram),
            fieldConfig: { defaults: {}, overrides: [] },
            replaceVariables: (v) => v,
            theme,
            timeZone,
          })
        : [],
    [histogram, theme, timeZone]
  );
  const total = histogram ? histogram.buckets.reduce((n, b) => n + b.count, 0) : 0;
  const top = histogram ? Math.max(0, ...histogram.buckets.map((b) => b.max_score ?? 0)) : 0;
  const summary = histogram
    ? total === 0
      ? 'No anomalies over this time range.'
      : `${total.toLocaleString('en-US')} anomalies over this time range; the highest score is ${formatScore(top)}.`
    : '';

  return (
    <figure className={s.figure} data-testid={testIds.explorer.chart}>
      <figcaption className={s.caption}>
        <span className={s.title}>Score over time</span>
        {summary && <span className={s.muted}>{summary}</span>}
      </figcaption>
      <div ref={box} className={s.plot} style={{ height: HEIGHT }}>
        {error ? (
          <Alert severity="warning" title="The chart could not be loaded">
            {error}
          </Alert>
        ) : frames.length === 0 ? (
          loading && <LoadingPlaceholder text="Loading the chart…" />
        ) : (
          <div role="img" aria-label={`Score over time. ${summary}`}>
            <TimeSeries
              frames={frames}
              width={measured > 0 ? measured : FALLBACK_WIDTH}
              height={HEIGHT}
              timeRange={timeRange}
              timeZone={timeZone}
              legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
            />
          </div>
        )}
      </div>
    </figure>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  figure: css`
    margin: 0 0 ${theme.spacing(2)} 0;
    padding: ${theme.spacing(1)};
    border: 1px solid ${theme.colors.border.weak};
    border-radius: ${theme.shape.radius.default};
    background: ${theme.colors.background.primary};
  `,
  caption: css`
    display: flex;
    gap: ${theme.spacing(2)};
    align-items: baseline;
    margin-bottom: ${theme.spacing(1)};
  `,
  title: css`
    font-weight: ${theme.typography.fontWeightMedium};
  `,
  muted: css`
    color: ${theme.colors.text.secondary};
    font-size: ${theme.typography.bodySmall.fontSize};
  `,
  plot: css`
    width: 100%;
    overflow: hidden;
  `,
});
