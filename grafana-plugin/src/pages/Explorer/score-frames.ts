import { createDataFrame, type DataFrame, type FieldConfig, FieldType, ThresholdsMode } from '@grafana/data';
import {
  AxisPlacement,
  GraphDrawStyle,
  GraphGradientMode,
  type GraphFieldConfig,
  GraphThresholdsStyleMode,
  LineInterpolation,
  VisibilityMode,
} from '@grafana/schema';
import type { AnomalyHistogram } from '../../api/engine-api';

/** The score from which a detection is an anomaly (θ, README "What a score means"). */
export const THRESHOLD = 0.5;

/** Names of the chart's series, as its legend and tooltip show them. */
export const SERIES = {
  score: 'Highest score',
  observed: 'Observed',
  expected: 'Expected',
  lower: 'Lower bound',
  upper: 'Upper bound',
} as const;

const custom = (c: GraphFieldConfig): GraphFieldConfig => c;

/**
 * The histogram as data frames for `TimeSeries`: the highest score per bucket (bars, with the threshold drawn as
 * a dashed line), and, when the buckets carry them, the observed value over the expected one with its lower–upper
 * band filled, on a second axis. Still to be run through `applyFieldOverrides`.
 */
export function histogramFrames(h: AnomalyHistogram): DataFrame[] {
  const time = h.buckets.map((b) => b.t);
  const scoreConfig: FieldConfig = {
    displayName: SERIES.score,
    min: 0,
    max: 1,
    decimals: 2,
    color: { mode: 'thresholds' },
    thresholds: {
      mode: ThresholdsMode.Absolute,
      steps: [
        { value: -Infinity, color: 'blue' },
        { value: THRESHOLD, color: 'orange' },
        { value: 0.85, color: 'red' },
      ],
    },
    custom: custom({
      drawStyle: GraphDrawStyle.Bars,
      // Each bar takes the colour of its own score's threshold, not the series' last one.
      gradientMode: GraphGradientMode.Scheme,
      fillOpacity: 80,
      lineWidth: 1,
      axisLabel: 'score',
      axisPlacement: AxisPlacement.Left,
      thresholdsStyle: { mode: GraphThresholdsStyleMode.Dashed },
    }),
  };
  const fields: Array<{ name: string; type: FieldType; values: Array<number | null>; config: FieldConfig }> = [
    { name: 'Time', type: FieldType.time, values: time, config: {} },
    { name: SERIES.score, type: FieldType.number, values: h.buckets.map((b) => b.max_score), config: scoreConfig },
  ];
  const hasBand = h.buckets.some((b) => b.observed !== null || b.expected !== null);
  if (hasBand) {
    const band = (name: string, extra: GraphFieldConfig, color: string): FieldConfig => ({
      displayName: name,
      unit: 'short',
      color: { mode: 'fixed', fixedColor: color },
      custom: custom({
        drawStyle: GraphDrawStyle.Line,
        lineInterpolation: LineInterpolation.Linear,
        // Buckets without a value are gaps: a band drawn across them would invent values.
        spanNulls: false,
        axisPlacement: AxisPlacement.Right,
        axisLabel: 'value',
        ...extra,
      }),
    });
    fields.push(
      {
        name: SERIES.observed,
        type: FieldType.number,
        values: h.buckets.map((b) => b.observed),
        config: band(SERIES.observed, { lineWidth: 2, showPoints: VisibilityMode.Always, pointSize: 5 }, 'yellow'),
      },
      {
        name: SERIES.expected,
        type: FieldType.number,
        values: h.buckets.map((b) => b.expected),
        config: band(SERIES.expected, { lineWidth: 1, lineStyle: { fill: 'dash', dash: [6, 4] } }, 'green'),
      },
      {
        name: SERIES.lower,
        type: FieldType.number,
        values: h.buckets.map((b) => b.lower),
        config: band(SERIES.lower, { lineWidth: 0, hideFrom: { legend: true, tooltip: false, viz: false } }, 'green'),
      },
      {
        name: SERIES.upper,
        type: FieldType.number,
        values: h.buckets.map((b) => b.upper),
        config: band(
          SERIES.upper,
          {
            lineWidth: 0,
            fillOpacity: 15,
            fillBelowTo: SERIES.lower,
            hideFrom: { legend: true, tooltip: false, viz: false },
          },
          'green'
        ),
      }
    );
  }
  return [createDataFrame({ refId: 'histogram', fields })];
}
