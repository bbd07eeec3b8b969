import { z } from 'zod';

/** The body of a `query_range` answer as Prometheus documents it; sample pairs are checked in {@link parseMatrix}. */
const QueryRangeBodySchema = z.object({
  status: z.string(),
  data: z
    .object({
      resultType: z.string(),
      result: z.unknown(),
    })
    .optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

const MatrixSchema = z.array(
  z.object({
    metric: z.record(z.string(), z.string()),
    values: z.array(z.tuple([z.number(), z.string()])).optional(),
    histograms: z.array(z.unknown()).optional(),
  }),
);

/** A parsed Prometheus answer, successful or not. */
export type QueryRangeBody = z.infer<typeof QueryRangeBodySchema>;

/** One series of one answer: timestamps in ms, values as numbers. */
export interface MatrixSeries {
  labels: Record<string, string>;
  timestamps: number[];
  values: number[];
}

/** Why an answer could not be read; the caller turns it into a `bad_response`. */
export class MalformedAnswerError extends Error {
  override readonly name = 'MalformedAnswerError';
}

/** Parses the JSON text of an answer into its envelope; throws {@link MalformedAnswerError}. */
export function parseBody(text: string): QueryRangeBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MalformedAnswerError(`the answer is not JSON: ${snippet(text)}`);
  }
  const body = QueryRangeBodySchema.safeParse(json);
  if (!body.success) throw new MalformedAnswerError(`the answer has no "status": ${snippet(text)}`);
  return body.data;
}

/** The series of a successful answer; throws {@link MalformedAnswerError} for anything but a well-formed matrix. */
export function parseMatrix(body: QueryRangeBody): MatrixSeries[] {
  if (body.status !== 'success') throw new MalformedAnswerError(`status is "${body.status}", not "success"`);
  if (!body.data) throw new MalformedAnswerError('the answer has no "data"');
  if (body.data.resultType !== 'matrix') {
    throw new MalformedAnswerError(`resultType is "${body.data.resultType}", expected "matrix"`);
  }
  const result = MatrixSchema.safeParse(body.data.result);
  if (!result.success) {
    throw new MalformedAnswerError(`the matrix is malformed: ${z.prettifyError(result.error).slice(0, 300)}`);
  }
  return result.data.map((s) => {
    if (s.histograms && s.histograms.length > 0) {
      throw new MalformedAnswerError(
        `series ${promSeriesKey(s.metric)} holds native histograms, which Outlier does not read: query a float (e.g. histogram_quantile)`,
      );
    }
    const pairs = s.values ?? [];
    const timestamps = new Array<number>(pairs.length);
    const values = new Array<number>(pairs.length);
    for (let i = 0; i < pairs.length; i++) {
      const [t, v] = pairs[i];
      timestamps[i] = Math.round(t * 1000);
      values[i] = sampleValue(v, s.metric);
    }
    return { labels: s.metric, timestamps, values };
  });
}

/** A sample value: Prometheus writes floats as strings, with `NaN`, `+Inf` and `-Inf`. */
function sampleValue(text: string, labels: Record<string, string>): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const v = text.trim() === '' ? Number.NaN : Number(text);
  if (Number.isNaN(v)) {
    throw new MalformedAnswerError(`series ${promSeriesKey(labels)} has the value "${snippet(text)}"`);
  }
  return v;
}

/**
 * The canonical name of a label set, as Prometheus prints it: the metric name, then the other labels sorted by
 * name, values escaped, e.g. `up{instance="a",job="b"}`; `{job="b"}` when there is no `__name__`.
 */
export function promSeriesKey(labels: Readonly<Record<string, string>>): string {
  const name = labels.__name__ ?? '';
  const names = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) return name === '' ? '{}' : name;
  return `${name}{${names.map((k) => `${k}="${escapeLabelValue(labels[k])}"`).join(',')}}`;
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The start of a text, on one line, for messages. */
export function snippet(text: string, max = 200): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}
