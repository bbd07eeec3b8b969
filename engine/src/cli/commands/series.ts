import { readFile } from 'node:fs/promises';
import { detectionToJsonLine } from '../../export/detection-json.js';
import { pointDetection } from '../../series/point-detection.js';
import { readSeriesCsv, SeriesInputError } from '../../series/series-csv.js';
import { emptySeriesPoint, SeriesModel, type SeriesModelOptions } from '../../series/series-model.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { writeStdout } from '../output.js';

/** Help text of `outlier series`. */
export const SERIES_USAGE = `outlier series FILE.csv [options]

Scores every point of a metric series (one pass, each point scored before it is learned) and prints
timestamp,value,anomaly_score,expected,lower,upper,severity as CSV. Severity is set once per incident.

  --time-col C        timestamp column (default: timestamp, time, ts, date or datetime; else the first)
  --value-col C       value column (default: value, else the first other column)
  --threshold X       anomaly threshold θ in [0,1] (default 0.5)
  --json              NDJSON on stdout: one Detection (kind point) per point
  --ensemble E        fast|full (default fast; full adds Isolation Forest and LOF on windowed features)
  --counter           the series is a counter: score its per-second rate, a decrease being a reset
  --direction D       up|down|both: which deviations may alert (default both)
  --min-deviation X   smallest |value − expected| that may alert (default 0)
  --min-relative X    smallest |value − expected| / |expected| that may alert, e.g. 0.1 (default 0)
`;

/** Parsed `series` options. */
export interface SeriesCliOptions {
  file: string;
  timeColumn?: string;
  valueColumn?: string;
  json: boolean;
  model: SeriesModelOptions;
}

/** Parses `series` arguments. */
export function parseSeriesArgs(argv: string[]): SeriesCliOptions {
  const { values, positionals } = parseCommandArgs('series', argv, {
    'time-col': { type: 'string' },
    'value-col': { type: 'string' },
    threshold: { type: 'string' },
    json: { type: 'boolean' },
    ensemble: { type: 'string' },
    counter: { type: 'boolean' },
    direction: { type: 'string' },
    'min-deviation': { type: 'string' },
    'min-relative': { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('series: give exactly one CSV file');
  const ensemble = values.ensemble ?? 'fast';
  if (ensemble !== 'fast' && ensemble !== 'full')
    throw new UsageError(`--ensemble must be fast or full, got "${ensemble}"`);
  const direction = values.direction ?? 'both';
  if (direction !== 'up' && direction !== 'down' && direction !== 'both') {
    throw new UsageError(`--direction must be up, down or both, got "${direction}"`);
  }
  return {
    file: positionals[0],
    timeColumn: values['time-col'],
    valueColumn: values['value-col'],
    json: values.json ?? false,
    model: {
      threshold: numberFlag('threshold', values.threshold, { min: 0, max: 1 }),
      ensemble,
      counter: values.counter ?? false,
      direction,
      minAbsoluteDeviation: numberFlag('min-deviation', values['min-deviation'], {
        min: 0,
        max: Number.MAX_VALUE,
      }),
      minRelativeDeviation: numberFlag('min-relative', values['min-relative'], {
        min: 0,
        max: Number.MAX_VALUE,
      }),
    },
  };
}

function csvNumber(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(8))) : Number.isNaN(x) ? '' : String(x);
}

function csvText(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `outlier series`. */
export async function seriesCommand(argv: string[]): Promise<void> {
  const o = parseSeriesArgs(argv);
  let text: string;
  try {
    text = await readFile(o.file, 'utf8');
  } catch (err) {
    throw new SeriesInputError(
      `cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const table = readSeriesCsv(text, { timeColumn: o.timeColumn, valueColumn: o.valueColumn });
  const model = new SeriesModel(o.model);
  const point = emptySeriesPoint();
  let chunk = o.json ? '' : 'timestamp,value,anomaly_score,expected,lower,upper,severity\n';
  let alerts = 0;
  for (let i = 0; i < table.times.length; i++) {
    model.updateInto(table.times[i], table.values[i], point);
    if (point.alert) alerts++;
    if (o.json) {
      chunk += detectionToJsonLine(pointDetection(point, { source: o.file }, model.detectorScores()));
    } else {
      chunk += `${csvText(table.timeText[i])},${csvNumber(point.value)},${point.score.toFixed(4)},${csvNumber(point.expected)},${csvNumber(point.lower)},${csvNumber(point.upper)},${point.severity ?? ''}\n`;
    }
    if (chunk.length > 1 << 16) {
      await writeStdout(chunk);
      chunk = '';
    }
  }
  if (chunk) await writeStdout(chunk);
  process.stderr.write(
    `Scored ${table.times.length.toLocaleString('en')} points of ${table.valueColumn}: ${alerts} alert${alerts === 1 ? '' : 's'} at θ=${model.options.threshold}.\n`,
  );
}
