import { type RobustStats, robustStats, robustZ } from '../features/robust-stats.js';
import type { DetectorScore } from '../model/detection.js';
import { DEFAULT_THRESHOLD, scoreFromTailProbability, tailProbabilityFromScore } from '../model/score.js';
import { LEVELS, type Level, type ParsedRecord } from '../parse/record.js';
import { TailCalibrator, type TailCalibratorState } from './calibration.js';
import { type EnsembleResult, round4 } from './ensemble.js';
import { RouteReader } from './route.js';

/** One reference line as the line model learns it. */
export interface LineObservation {
  record: ParsedRecord;
  templateId: string;
  params: readonly string[];
}

/** Options of {@link LineModel.fit}. */
export interface LineModelOptions {
  /**
   * Parameter positions per template whose values are tracked for rare-value detection.
   * @defaultValue 8
   */
  maxParamPositions?: number;
  /**
   * Distinct values kept per parameter position (the most frequent).
   * @defaultValue 64
   */
  maxValuesPerPosition?: number;
  /**
   * Fewest reference occurrences of a template position before a new value there counts as evidence.
   * @defaultValue 20
   */
  minParamSupport?: number;
  /**
   * Categorical fields per template (JSON and logfmt keys, access-log and syslog fields, Loghub header fields)
   * whose values are tracked for rare-value detection: the most telling (see {@link FieldValues}).
   * @defaultValue 8
   */
  maxCategoricalFields?: number;
  /**
   * Distinct values kept per tracked categorical field (the most frequent).
   * @defaultValue 256
   */
  maxValuesPerField?: number;
  /**
   * Fewest reference values of a numeric field for a template before it gets its own baseline (else the field's
   * baseline over all templates is used).
   * @defaultValue 10
   */
  minNumericSupport?: number;
  /**
   * Numeric fields followed at most (the most common in the reference).
   * @defaultValue 16
   */
  maxNumericFields?: number;
  /**
   * Score templates whose reference lines came in one burst (`template_burst`): for a reference that is the input
   * being scored, where a template first seen in an incident is in the reference too. A burst that began within the
   * first {@link MAX_BURST_SPAN} of the reference is the input's start-up (a process starting logs such lines once)
   * and is not scored. Off for a model trained on
   * other lines, whose bursts say nothing of the lines scored.
   * @defaultValue false
   */
  bursts?: boolean;
  /**
   * Every line to be scored is in the sample: the input as its own reference, sampled whole. A value seen once in
   * the reference is then the scored line's own, and counts as never seen in the other lines (leave-one-out, which
   * is what Good–Turing's estimate of an unseen value's probability stands for).
   * @defaultValue false
   */
  ownLines?: boolean;
}

interface ParamStats {
  values: Record<string, number>;
  total: number;
  singletons: number;
}

/**
 * The reference values of one categorical field of a template's lines: the most frequent (at most
 * `maxValuesPerField`) with their counts. A value not among them is as likely as the reference lines whose value
 * was seen once or was not kept (`unseenP`, Good–Turing), so a field where new values are common says little.
 */
interface FieldValues {
  values: Record<string, number>;
  /** Reference lines of the template with the field. */
  total: number;
  /** Probability of a value not in `values`: (values seen once + lines of values not kept + 1) / (total + 1). */
  unseenP: number;
}

interface NumericFieldModel {
  /** Whether the baselines are on the log1p scale (fields never negative in the reference). */
  log: boolean;
  global: RobustStats;
  perTemplate: Record<string, RobustStats>;
  /**
   * Per template and status class (index 0–4 for 1xx–5xx; null below `minNumericSupport` lines), for lines with an
   * HTTP status; absent from models saved before.
   */
  perTemplateClass?: Record<string, (RobustStats | null)[]>;
  /**
   * Per template, the values that make up a share of its reference lines of at least {@link MIN_COMMON_SHARE}
   * (at most {@link MAX_COMMON_VALUES}), with that share; absent from models saved before.
   */
  common?: Record<string, [value: number, share: number][]>;
  /** The same per template and status class, beside `perTemplateClass`. */
  commonByClass?: Record<string, ([value: number, share: number][] | null)[]>;
  /**
   * Per template, route and status class (see {@link LineModelState.routes}): index `route · 6 + class + 1`, class
   * -1 for lines without a status; null below `minNumericSupport` lines. Absent from models saved before.
   */
  perRoute?: Record<string, (RobustStats | null)[]>;
  /** The common values beside `perRoute`. */
  commonByRoute?: Record<string, ([value: number, share: number][] | null)[]>;
  calibrator: TailCalibratorState;
  /** Robust z at which this field alone reaches θ: the half-width of the expected band, in σ. */
  bandZ: number;
}

/**
 * An HTTP status field's model: status codes are categories, not magnitudes, so a line is judged by how common its
 * status class (1xx … 5xx) was among the reference lines of its template.
 */
interface StatusFieldModel {
  /** Reference lines per status class, index 0–4 for 1xx–5xx, over all templates. */
  global: number[];
  /** The same per template with at least `minNumericSupport` lines of the field. */
  perTemplate: Record<string, number[]>;
}

/** A template whose reference lines all came close together (in the reference's order, which is the input's). */
interface TemplateBurst {
  /** Probability that this many lines spread like the reference fall this close together. */
  p: number;
  /** Reference lines of the template. */
  lines: number;
  /** Share of the reference between its first and its last line. */
  span: number;
  /** Times of its first and last reference line (epoch ms), when they had one. */
  from: number | null;
  to: number | null;
}

/** Serialized {@link LineModel}. */
export interface LineModelState {
  total: number;
  templateCounts: Record<string, number>;
  templateTailP: Record<string, number>;
  /** Templates whose reference lines came in one burst (see {@link burstOf}); absent from models saved before. */
  templateBursts?: Record<string, TemplateBurst>;
  newTemplateP: number;
  levelTailP: Partial<Record<Level, number>>;
  params: Record<string, ParamStats[]>;
  /**
   * Per template, the tracked categorical fields by name (see {@link FieldValues}); absent from models saved
   * before.
   */
  fields?: Record<string, Record<string, FieldValues>>;
  numeric: Record<string, NumericFieldModel>;
  /** HTTP status fields (absent from models saved before status classes were scored). */
  status?: Record<string, StatusFieldModel>;
  /**
   * Per template, the request routes (see {@link RouteReader}) with at least `minNumericSupport` reference lines,
   * most common first, at most {@link MAX_ROUTES_PER_TEMPLATE}: numeric fields have baselines per route there.
   * Absent from models saved before.
   */
  routes?: Record<string, string[]>;
  /** The categorical fields that held the reference's paths and methods, tried in order; beside `routes`. */
  routeFields?: { path: string[]; method: string[] };
  minParamSupport: number;
  /** Fit with `ownLines` (see {@link LineModelOptions.ownLines}); absent from models saved before. */
  ownLines?: boolean;
}

/** A line's evidence: what the strongest detector saw. */
export interface LineEvidence {
  templateCount: number;
  referenceLines: number;
  newTemplate: boolean;
  /** A value the template's reference lines never had: at a parameter position, or of a field (`field` set). */
  rareValue: {
    position: number;
    field: string | null;
    value: string;
    distinct: number;
    support: number;
    /** The reference holds the line itself (`ownLines`): the value is new to every other line. */
    otherLines: boolean;
  } | null;
  numeric: { field: string; observed: number; expected: number; lower: number; upper: number } | null;
  level: Level | null;
}

/** A scored line. */
export interface LineScore extends EnsembleResult {
  evidence: LineEvidence;
  explanation: string;
  /** Set by the hard rule for FATAL/panic lines. */
  fatal: boolean;
  /** The same object is given for other lines that score the same (it must not be changed). */
  shared: boolean;
}

const SEVERE_LEVELS: readonly Level[] = ['warn', 'error', 'fatal'];

/**
 * The line-level model: template rarity (tail mass of templates at most this frequent), first-seen templates
 * (Good–Turing probability of an unseen template), rare values (Good–Turing per template parameter position and
 * per tracked categorical field of its lines),
 * the level, numeric fields (latency, bytes, …) against per-template median/MAD baselines (per template and HTTP
 * status class on lines with a status), and HTTP status fields by how common their class was for the template.
 * Every detector is a tail probability on the reference sample, joined by the ensemble rule ({@link combineVerdicts}).
 */
export class LineModel {
  private readonly numeric = new Map<string, FollowedField>();
  /** The HTTP status fields, whose class picks a line's baselines (see {@link LineModel.fit}). */
  private readonly statusFields: string[];
  private readonly templateCounts: Map<string, number>;
  /** What scoring needs of each reference template, found with one lookup. */
  private readonly templates = new Map<string, TemplateFacts>();
  /** Scratch verdicts of the line being scored: detector name, tail probability, kind. */
  private readonly verdictNames: string[] = new Array(MAX_VERDICTS).fill('');
  private readonly verdictP = new Float64Array(MAX_VERDICTS);
  private readonly verdictKind = new Uint8Array(MAX_VERDICTS);
  /** Hashes of line scores seen once, by slot. */
  private readonly sightings = new Int32Array(SIGHTINGS);
  /** Reads a line's route from the fields that held routes in the reference (null: the reference had none). */
  private readonly routeReader: RouteReader | null;
  /** Scores kept over all templates, at most {@link MAX_SCORES_KEPT}. */
  private scoredKept = 0;
  /** The followed numeric fields (by index) and values of the line being scored. */
  private readonly lineFields = new Int32Array(KEPT_FIELDS);
  private readonly lineValues = new Float64Array(KEPT_FIELDS);
  /** Detector scores by name and score × 10 000, shared by every line that has them (they are never changed). */
  private readonly detectorScores = new Map<string, (DetectorScore | undefined)[]>();

  private constructor(private readonly s: LineModelState) {
    // Each template's own baselines of each field, found by field index when a line is scored.
    const bands = new Map<string, (TemplateBands | null)[]>();
    const own = (templateId: string, index: number): TemplateBands => {
      let byField = bands.get(templateId);
      if (byField === undefined) {
        byField = [];
        bands.set(templateId, byField);
      }
      byField[index] ??= { route: null, cls: null, template: null, status: null };
      return byField[index];
    };
    for (const [field, m] of Object.entries(s.numeric)) {
      const index = this.numeric.size;
      this.numeric.set(field, {
        kind: 'band',
        index,
        cal: TailCalibrator.fromJSON(m.calibrator),
        log: m.log,
        global: band(m.global, m.log, m.bandZ),
      });
      for (const [id, base] of Object.entries(m.perTemplate))
        own(id, index).template = band(base, m.log, m.bandZ, m.common?.[id]);
      for (const [id, bases] of Object.entries(m.perTemplateClass ?? {}))
        own(id, index).cls = bases.map((base, c) =>
          base === null ? null : band(base, m.log, m.bandZ, m.commonByClass?.[id]?.[c] ?? null),
        );
      for (const [id, bases] of Object.entries(m.perRoute ?? {})) {
        const names = s.routes?.[id] ?? [];
        own(id, index).route = bases.map((base, cell) =>
          base === null
            ? null
            : band(
                base,
                m.log,
                m.bandZ,
                m.commonByRoute?.[id]?.[cell] ?? null,
                names[Math.floor(cell / ROUTE_CELLS)] ?? null,
              ),
        );
      }
    }
    this.statusFields = Object.keys(s.status ?? {});
    for (const [field, m] of Object.entries(s.status ?? {})) {
      const index = this.numeric.size;
      const perTemplate = new Map<string, ClassTail>();
      for (const [id, counts] of Object.entries(m.perTemplate)) {
        const tail = classTail(counts);
        perTemplate.set(id, tail);
        own(id, index).status = tail;
      }
      this.numeric.set(field, {
        kind: 'status',
        index,
        field,
        detector: `${field}_class`,
        global: classTail(m.global),
        perTemplate,
      });
    }
    this.routeReader = s.routeFields ? new RouteReader(s.routeFields.path, s.routeFields.method) : null;
    this.templateCounts = new Map(Object.entries(s.templateCounts));
    for (const [id, count] of this.templateCounts) {
      const positions = s.params[id]?.map((p) =>
        p
          ? {
              values: seenValues(p.values, s.ownLines === true),
              distinct: Object.keys(p.values).length,
              total: p.total,
              singletons: p.singletons,
            }
          : null,
      );
      this.templates.set(id, {
        count,
        tailP: s.templateTailP[id] ?? 1,
        burst: s.templateBursts?.[id] ?? null,
        positions: positions ?? null,
        fields: fieldsOf(s.fields?.[id], s.ownLines === true),
        routes: s.routes?.[id] ? new Map(s.routes[id].map((route, i) => [route, i])) : null,
        // Dense, one entry per field.
        bands: Array.from({ length: this.numeric.size }, (_, i) => bands.get(id)?.[i] ?? null),
        seen: `Template seen ${count} times in ${s.total} reference lines.`,
        plain: new Map(),
        scored: null,
        salt: Math.imul(this.templates.size + 1, 0x9e3779b1),
      });
    }
  }

  /** Learns from a reference sample of lines. */
  static fit(sample: readonly LineObservation[], options: LineModelOptions = {}): LineModel {
    const {
      maxParamPositions = 8,
      maxValuesPerPosition = 64,
      minParamSupport = 20,
      maxCategoricalFields = 8,
      maxValuesPerField = 256,
      minNumericSupport = 10,
      maxNumericFields = 16,
      bursts = false,
      ownLines = false,
    } = options;
    const total = sample.length;
    const templateCounts: Record<string, number> = {};
    const levelCounts = new Map<Level, number>();
    const paramCounts = new Map<string, Map<string, number>[]>();
    /** Per template, per categorical field, the count of each value. */
    const fieldCounts = new Map<string, Map<string, Map<string, number>>>();
    /** Whether each field name seen is one tracked for rare values (see {@link UNTRACKED_FIELD}). */
    const trackable = new Map<string, boolean>();
    const numericValues = new Map<string, number[]>();
    /** The sample index of each of `numericValues`' values. */
    const numericLines = new Map<string, number[]>();
    const numericByTemplate = new Map<string, Map<string, number[]>>();
    const firstAt = new Map<string, number>();
    const lastAt = new Map<string, number>();
    for (let at = 0; at < total; at++) {
      const { record, templateId, params } = sample[at];
      templateCounts[templateId] = (templateCounts[templateId] ?? 0) + 1;
      if (!firstAt.has(templateId)) firstAt.set(templateId, at);
      lastAt.set(templateId, at);
      if (record.level) levelCounts.set(record.level, (levelCounts.get(record.level) ?? 0) + 1);
      let positions = paramCounts.get(templateId);
      if (!positions) {
        positions = [];
        paramCounts.set(templateId, positions);
      }
      const np = Math.min(params.length, maxParamPositions);
      for (let i = 0; i < np; i++) {
        let counts = positions[i];
        if (!counts) {
          counts = new Map();
          positions[i] = counts;
        }
        counts.set(params[i], (counts.get(params[i]) ?? 0) + 1);
      }
      let byField = fieldCounts.get(templateId);
      for (const field in record.categorical) {
        let ok = trackable.get(field);
        if (ok === undefined) {
          ok = !UNTRACKED_FIELD.test(field);
          trackable.set(field, ok);
        }
        if (!ok) continue;
        if (byField === undefined) {
          byField = new Map();
          fieldCounts.set(templateId, byField);
        }
        let counts = byField.get(field);
        if (counts === undefined) {
          counts = new Map();
          byField.set(field, counts);
        }
        const v = record.categorical[field];
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      for (const field in record.numeric) {
        const v = record.numeric[field];
        if (!Number.isFinite(v)) continue;
        let all = numericValues.get(field);
        if (!all) {
          all = [];
          numericValues.set(field, all);
          numericLines.set(field, []);
          numericByTemplate.set(field, new Map());
        }
        all.push(v);
        (numericLines.get(field) as number[]).push(at);
        const byTemplate = numericByTemplate.get(field) as Map<string, number[]>;
        let tv = byTemplate.get(templateId);
        if (!tv) {
          tv = [];
          byTemplate.set(templateId, tv);
        }
        tv.push(v);
      }
    }

    // Template rarity: P(a line's template is at most as frequent as t) over the reference.
    const countsAsc = Object.values(templateCounts).sort((a, b) => a - b);
    const massAtMost = new Map<number, number>();
    let cum = 0;
    for (const c of countsAsc) {
      cum += c;
      massAtMost.set(c, cum);
    }
    const templateTailP: Record<string, number> = {};
    for (const [id, c] of Object.entries(templateCounts)) {
      templateTailP[id] = ((massAtMost.get(c) ?? c) + 0.5) / (total + 1);
    }
    const templateBursts: Record<string, TemplateBurst> = {};
    for (const [id, c] of bursts ? Object.entries(templateCounts) : []) {
      const first = firstAt.get(id) as number;
      const last = lastAt.get(id) as number;
      // Lines that all came as the input began are how the process that wrote it starts, logged once per start.
      if (first / total < MAX_BURST_SPAN) continue;
      const burst = burstOf(c, (last - first + 1) / total);
      if (burst < MAX_BURST_P) {
        templateBursts[id] = {
          p: burst,
          lines: c,
          span: (last - first + 1) / total,
          from: sample[first].record.timestamp,
          to: sample[last].record.timestamp,
        };
      }
    }
    const singletons = countsAsc.filter((c) => c === 1).length;
    const newTemplateP = Math.min(1, (singletons + 1) / (total + 1));

    const levelTailP: Partial<Record<Level, number>> = {};
    for (const level of SEVERE_LEVELS) {
      let atLeast = 0;
      for (let i = LEVELS.indexOf(level); i < LEVELS.length; i++) atLeast += levelCounts.get(LEVELS[i]) ?? 0;
      levelTailP[level] = (atLeast + 1) / (total + 1);
    }

    const params: Record<string, ParamStats[]> = {};
    for (const [id, positions] of paramCounts) {
      const stats: ParamStats[] = [];
      for (const counts of positions) {
        let t = 0;
        let ones = 0;
        for (const c of counts.values()) {
          t += c;
          if (c === 1) ones++;
        }
        const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        const values: Record<string, number> = {};
        for (const [v, c] of top.slice(0, maxValuesPerPosition)) values[v] = c;
        stats.push({ values, total: t, singletons: ones + Math.max(0, top.length - maxValuesPerPosition) });
      }
      if (stats.some((p) => p.total >= minParamSupport)) params[id] = stats;
    }
    const categorical: Record<string, Record<string, FieldValues>> = {};
    for (const [id, byField] of fieldCounts) {
      const tracked = trackedFields(byField, { minParamSupport, maxCategoricalFields, maxValuesPerField });
      if (tracked !== null) categorical[id] = tracked;
    }

    const numeric: Record<string, NumericFieldModel> = {};
    const status: Record<string, StatusFieldModel> = {};
    const fields = [...numericValues.entries()]
      .filter(([, v]) => v.length >= minNumericSupport)
      .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxNumericFields);
    // A quantity depends on the outcome of the request it measures (a 304 has no body, a 404 its error page): where
    // lines carry an HTTP status, other fields are baselined per template and status class as well.
    const statusFields = fields
      .filter(([field, values]) => isStatusField(field, values))
      .map(([field]) => field);
    const lineClass =
      statusFields.length > 0
        ? Int8Array.from(sample, (o) => classOfLine(o.record.numeric, statusFields))
        : null;
    // Request lines of one template serve many routes, whose sizes and latencies differ by orders of magnitude:
    // where a template's lines name their route, each common route gets its baselines too.
    const { routes, routeFields, lineRoute } =
      fields.length > 0 ? routesOf(sample, minNumericSupport) : NO_ROUTES;
    for (const [field, values] of fields) {
      const byTemplate = numericByTemplate.get(field) as Map<string, number[]>;
      if (statusFields.includes(field)) {
        const perTemplate: Record<string, number[]> = {};
        for (const [id, tv] of byTemplate)
          if (tv.length >= minNumericSupport) perTemplate[id] = classCounts(tv);
        status[field] = { global: classCounts(values), perTemplate };
        continue;
      }
      // Non-negative quantities (latency, bytes, amounts) are skewed: model them on a log scale.
      const log = values.every((v) => v >= 0);
      const scale = (v: number) => (log ? Math.log1p(v) : v);
      const global = robustStats(values.map(scale));
      const perTemplate: Record<string, RobustStats> = {};
      const common: Record<string, [number, number][]> = {};
      for (const [id, tv] of byTemplate) {
        if (tv.length < minNumericSupport) continue;
        perTemplate[id] = robustStats(tv.map(scale));
        const values = commonValues(tv);
        if (values.length > 0) common[id] = values;
      }
      const at = numericLines.get(field) as number[];
      const byClass = new Map<string, number[][]>();
      if (lineClass !== null) {
        for (let k = 0; k < values.length; k++) {
          const c = lineClass[at[k]];
          if (c < 0) continue;
          const v = values[k];
          const id = sample[at[k]].templateId;
          let classes = byClass.get(id);
          if (classes === undefined) {
            classes = [[], [], [], [], []];
            byClass.set(id, classes);
          }
          classes[c].push(v);
        }
      }
      // A class shifts the expected value, not the spread: its sigma is at least the template's, so that a class
      // of a few lines with one repeated value (MAD 0) does not make every other value extreme.
      const perTemplateClass: Record<string, (RobustStats | null)[]> = {};
      const commonByClass: Record<string, ([number, number][] | null)[]> = {};
      for (const [id, classes] of byClass) {
        const spread = (perTemplate[id] ?? global).sigma;
        const stats = classes.map((cv) => {
          if (cv.length < minNumericSupport) return null;
          const st = robustStats(cv.map(scale));
          return { ...st, sigma: Math.max(st.sigma, spread) };
        });
        if (stats.every((x) => x === null)) continue;
        perTemplateClass[id] = stats;
        commonByClass[id] = classes.map((cv) => (cv.length < minNumericSupport ? null : commonValues(cv)));
      }
      // Routes, within their template and class: each has its own expected value, and a spread of at least the
      // pooled spread within the template's routes (of that class), so that a route whose lines repeat one or two
      // values (a MAD of 0 or nearly) does not make every other value extreme.
      const perRoute: Record<string, (RobustStats | null)[]> = {};
      const commonByRoute: Record<string, ([number, number][] | null)[]> = {};
      if (lineRoute !== null) {
        const byRoute = new Map<string, number[][]>();
        for (let k = 0; k < values.length; k++) {
          const r = lineRoute[at[k]];
          if (r < 0) continue;
          const id = sample[at[k]].templateId;
          let cells = byRoute.get(id);
          if (cells === undefined) {
            cells = Array.from({ length: (routes[id]?.length ?? 0) * ROUTE_CELLS }, () => []);
            byRoute.set(id, cells);
          }
          const c = lineClass === null ? -1 : lineClass[at[k]];
          cells[r * ROUTE_CELLS + c + 1].push(values[k]);
        }
        for (const [id, cells] of byRoute) {
          const own = cells.map((cv) => (cv.length < minNumericSupport ? null : robustStats(cv.map(scale))));
          // The pooled spread is the scaled mean absolute residual: unlike the MAD, it sees a route's second mode
          // (error bodies of 157 and 497 bytes), which would otherwise be an extreme z in the field's calibration.
          const pooled: number[] = [];
          for (let c = 0; c < ROUTE_CELLS; c++) {
            let sum = 0;
            let count = 0;
            for (let cell = c; cell < cells.length; cell += ROUTE_CELLS) {
              const st = own[cell];
              if (st === null) continue;
              for (const v of cells[cell]) sum += Math.abs(scale(v) - st.median);
              count += cells[cell].length;
            }
            pooled.push(count > 0 ? MEAN_AD_TO_SIGMA * (sum / count) : 0);
          }
          const stats = own.map((st, cell) =>
            st === null ? null : { ...st, sigma: Math.max(st.sigma, pooled[cell % ROUTE_CELLS]) },
          );
          if (stats.every((x) => x === null)) continue;
          perRoute[id] = stats;
          commonByRoute[id] = cells.map((cv) => (cv.length < minNumericSupport ? null : commonValues(cv)));
        }
      }
      const zs = new Float64Array(values.length);
      for (let k = 0; k < values.length; k++) {
        const id = sample[at[k]].templateId;
        const c = lineClass === null ? -1 : lineClass[at[k]];
        const r = lineRoute === null ? -1 : lineRoute[at[k]];
        const base =
          (r >= 0 ? perRoute[id]?.[r * ROUTE_CELLS + c + 1] : null) ??
          (c >= 0 ? perTemplateClass[id]?.[c] : null) ??
          perTemplate[id] ??
          global;
        zs[k] = robustZ(scale(values[k]), base);
      }
      const calibrator = TailCalibrator.fit(zs);
      numeric[field] = {
        log,
        global,
        perTemplate,
        perTemplateClass,
        common,
        commonByClass,
        perRoute,
        commonByRoute,
        calibrator: calibrator.toJSON(),
        bandZ: calibrator.valueAtTailProbability(tailProbabilityFromScore(DEFAULT_THRESHOLD)),
      };
    }

    return new LineModel({
      total,
      templateCounts,
      templateTailP,
      templateBursts,
      newTemplateP,
      levelTailP,
      params,
      fields: categorical,
      numeric,
      status,
      routes,
      routeFields,
      minParamSupport,
      ownLines: ownLines || undefined,
    });
  }

  /** Restores a model from {@link LineModel.toJSON}. */
  static fromJSON(state: LineModelState): LineModel {
    return new LineModel(state);
  }

  /** Serializable state. */
  toJSON(): LineModelState {
    return this.s;
  }

  /** Reference lines the model learned from. */
  get referenceLines(): number {
    return this.s.total;
  }

  /** Whether the reference sample contained this template. */
  knows(templateId: string): boolean {
    return this.templateCounts.has(templateId);
  }

  /**
   * Scores one line given its parsed record and template. A line of a reference template without a rare value
   * gets the same score as every earlier line with its level and its values of the numeric fields followed: that
   * (immutable, `shared`) score is kept and given again, the common case in logs.
   */
  score(record: ParsedRecord, templateId: string, params: readonly string[], template: string): LineScore {
    const facts = this.templates.get(templateId);
    if (facts === undefined || facts.count === 0 || record.message.startsWith('panic:'))
      return this.scoreFully(record, facts, templateId, params, template, false, -1);
    // The line's route among its template's routes with baselines (-1: none).
    let route = -1;
    if (facts.routes !== null && this.routeReader !== null) {
      const name = this.routeReader.read(record);
      if (name !== null) route = facts.routes.get(name) ?? -1;
    }
    if (hasRareValue(facts, params, this.s.minParamSupport) || hasRareField(facts, record.categorical))
      return this.scoreFully(record, facts, templateId, params, template, false, route);
    // The level and the followed numeric fields' values decide the score: hash them, and the line gets the score
    // kept for them when there is one.
    const fields = this.lineFields;
    const values = this.lineValues;
    let n = 0;
    let h = 0x2545f491;
    for (const field in record.numeric) {
      const m = this.numeric.get(field);
      if (m === undefined) continue;
      const v = record.numeric[field];
      if (!Number.isFinite(v)) continue;
      if (n === KEPT_FIELDS)
        return this.scoreFully(record, facts, templateId, params, template, false, route);
      fields[n] = m.index;
      values[n] = v;
      n++;
      BITS_F64[0] = v === 0 ? 0 : v; // -0 scores and reads as 0
      h = Math.imul(h ^ m.index, 0x9e3779b1);
      h = Math.imul(h ^ BITS_I32[0], 0x85ebca6b);
      h = Math.imul(h ^ BITS_I32[1], 0xc2b2ae35);
    }
    const level = record.level;
    if (n === 0) {
      let plain = facts.plain.get(level);
      if (plain === undefined) {
        plain = this.scoreFully(record, facts, templateId, params, template, true, -1);
        facts.plain.set(level, plain);
      }
      return plain;
    }
    h = Math.imul(h ^ (level === null ? -1 : LEVELS.indexOf(level)), 0x27d4eb2f);
    h = Math.imul(h ^ route, 0x165667b1);
    h ^= h >>> 15;
    let slots = facts.scored;
    if (slots === null) {
      slots = new Array<KeptScore | undefined>(SCORE_SLOTS);
      facts.scored = slots;
    }
    const slot = h & (SCORE_SLOTS - 1);
    const kept = slots[slot];
    if (
      kept !== undefined &&
      kept.hash === h &&
      kept.level === level &&
      kept.route === route &&
      kept.n === n &&
      kept.f0 === fields[0] &&
      kept.v0 === values[0] &&
      (n < 2 || (kept.f1 === fields[1] && kept.v1 === values[1])) &&
      (n < 3 || (kept.f2 === fields[2] && kept.v2 === values[2])) &&
      (n < 4 || (kept.f3 === fields[3] && kept.v3 === values[3]))
    )
      return kept.score;
    // A score is kept from the second line that has it on: most values never come again (byte counts, fine
    // latencies), and keeping those would only leave garbage for the collector to move and sweep.
    const sighting = (h ^ facts.salt) & (SIGHTINGS - 1);
    if (this.sightings[sighting] !== h) {
      this.sightings[sighting] = h;
      return this.scoreFully(record, facts, templateId, params, template, false, route);
    }
    const score = this.scoreFully(record, facts, templateId, params, template, true, route);
    if (kept === undefined) {
      if (this.scoredKept >= MAX_SCORES_KEPT) {
        for (const f of this.templates.values()) f.scored = null;
        this.scoredKept = 0;
        slots = new Array<KeptScore | undefined>(SCORE_SLOTS);
        facts.scored = slots;
      }
      this.scoredKept++;
    }
    slots[slot] = {
      hash: h,
      level,
      route,
      n,
      f0: fields[0],
      v0: values[0],
      f1: fields[1],
      v1: values[1],
      f2: fields[2],
      v2: values[2],
      f3: fields[3],
      v3: values[3],
      score,
    };
    return score;
  }

  /**
   * Scores a line with every detector. The hot path of scoring (most lines carry a numeric field), so verdicts go
   * through scratch arrays and detector scores are shared objects; the result is {@link combineVerdicts} exactly.
   */
  private scoreFully(
    record: ParsedRecord,
    facts: TemplateFacts | undefined,
    templateId: string,
    params: readonly string[],
    template: string,
    shared: boolean,
    route: number,
  ): LineScore {
    const s = this.s;
    const names = this.verdictNames;
    const ps = this.verdictP;
    const kinds = this.verdictKind;
    let n = 0;
    const templateCount = facts === undefined ? 0 : facts.count;
    const newTemplate = templateCount === 0;
    let rareValue: LineEvidence['rareValue'] = null;
    if (facts === undefined || newTemplate) {
      names[n] = 'new_template';
      ps[n] = s.newTemplateP;
      kinds[n++] = Kind.NewTemplate;
    } else {
      names[n] = 'template_rarity';
      ps[n] = facts.tailP;
      kinds[n++] = Kind.TemplateRarity;
      if (facts.burst !== null) {
        names[n] = 'template_burst';
        ps[n] = facts.burst.p;
        kinds[n++] = Kind.TemplateBurst;
      }
      // Rare values: parameters of the template and tracked fields of its lines, one family of tests (the best
      // p-value times the number of values tested).
      let bestP = Number.POSITIVE_INFINITY;
      let bestAt = -1;
      let bestField: TrackedField | null = null;
      let family = 0;
      const positions = facts.positions;
      if (positions) {
        const np = Math.min(params.length, positions.length);
        family += np;
        for (let i = 0; i < np; i++) {
          const pos = positions[i];
          if (!pos || pos.total < s.minParamSupport || pos.values.has(params[i])) continue;
          const p = (pos.singletons + 1) / (pos.total + 1);
          if (bestAt < 0 || p < bestP) {
            bestP = p;
            bestAt = i;
          }
        }
      }
      const tracked = facts.fields;
      if (tracked !== null) {
        for (let i = 0; i < tracked.length; i++) {
          const f = tracked[i];
          const v = record.categorical[f.name];
          if (v === undefined) continue;
          family++;
          if (f.values.has(v) || f.unseenP >= bestP) continue;
          bestP = f.unseenP;
          bestField = f;
        }
      }
      // The best is a field's value when one beat every parameter, else a parameter's.
      const best = bestField ?? (bestAt >= 0 && positions ? (positions[bestAt] as ParamPosition) : null);
      if (best !== null) {
        names[n] = 'rare_value';
        ps[n] = Math.min(1, bestP * family);
        kinds[n++] = Kind.RareValue;
        rareValue = {
          position: bestField === null ? bestAt : -1,
          field: bestField === null ? null : bestField.name,
          value: bestField === null ? params[bestAt] : record.categorical[bestField.name],
          distinct: best.distinct,
          support: best.total,
          otherLines: s.ownLines === true,
        };
      }
    }
    const level = record.level;
    if (level === 'warn' || level === 'error' || level === 'fatal') {
      names[n] = 'level';
      ps[n] = s.levelTailP[level] ?? 1;
      kinds[n++] = Kind.Level;
    }
    let bestNumericP = 1;
    let bestBand: Band | null = null;
    let bestField = '';
    let bestValue = 0;
    let statusP = 1;
    let status: StatusField | null = null;
    let statusValue = 0;
    const lineClass = this.statusFields.length > 0 ? classOfLine(record.numeric, this.statusFields) : -1;
    for (const field in record.numeric) {
      const m = this.numeric.get(field);
      if (!m) continue;
      const v = record.numeric[field];
      if (!Number.isFinite(v)) continue;
      if (n === names.length) break; // more numeric fields than verdict slots: never with the field cap
      const own = facts === undefined ? null : facts.bands[m.index];
      if (m.kind === 'status') {
        const p = classTailP(own?.status ?? m.global, v);
        names[n] = m.detector;
        ps[n] = p;
        kinds[n++] = Kind.StatusClass;
        if (p < statusP) {
          statusP = p;
          status = m;
          statusValue = v;
        }
        continue;
      }
      const b =
        own === null
          ? m.global
          : ((route >= 0 && own.route !== null ? own.route[route * ROUTE_CELLS + lineClass + 1] : null) ??
            (lineClass >= 0 && own.cls !== null ? own.cls[lineClass] : null) ??
            own.template ??
            m.global);
      let p = m.cal.tailProbability(robustZ(m.log ? Math.log1p(Math.max(0, v)) : v, b.base));
      // A value that a fair share of the template's own reference lines had is no outlier of it, however far from
      // the median (small counts: attempts, retries, a mode of a two-humped field).
      const share = b.common?.get(v);
      if (share !== undefined && share > p) p = share;
      names[n] = field;
      ps[n] = p;
      kinds[n++] = Kind.Numeric;
      if (p < bestNumericP) {
        bestNumericP = p;
        bestBand = b;
        bestField = field;
        bestValue = v;
      }
    }

    // combineVerdicts, with equal weights.
    let minP = Number.POSITIVE_INFINITY;
    let strongest = -1;
    const detectors: DetectorScore[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const p = ps[i];
      detectors[i] = this.detectorScore(names[i], round4(scoreFromTailProbability(p)));
      const adjusted = p / (1 / n);
      if (adjusted < minP) {
        minP = adjusted;
        strongest = i;
      }
    }
    const score = round4(scoreFromTailProbability(Math.min(1, minP)));

    const fatal = level === 'fatal' || record.message.startsWith('panic:');
    const strongestKind = strongest >= 0 ? kinds[strongest] : Kind.None;
    const numeric =
      bestBand !== null && (strongestKind === Kind.Numeric || bestNumericP < 1e-3)
        ? {
            field: bestField,
            observed: bestValue,
            expected: bestBand.expected,
            lower: bestBand.lower,
            upper: bestBand.upper,
          }
        : null;
    const evidence: LineEvidence = {
      templateCount,
      referenceLines: s.total,
      newTemplate,
      rareValue,
      numeric,
      level,
    };
    let explanation: string;
    if (strongestKind === Kind.TemplateRarity && score < 0.3 && facts !== undefined) explanation = facts.seen;
    else if (strongestKind === Kind.Numeric && bestBand !== null)
      explanation = numericExplanation(bestBand, bestField, bestValue, template);
    else if (strongestKind === Kind.TemplateBurst && facts?.burst)
      explanation = burstExplanation(facts.burst, template, s.total);
    else if (strongestKind === Kind.StatusClass && status !== null)
      explanation = statusExplanation(status, templateId, statusValue, template);
    else explanation = explainLine(KIND_NAMES[strongestKind], score, evidence, template);
    return { score, detectors, strongest, evidence, fatal, explanation, shared };
  }

  /** The shared `{name, score}` of a detector's rounded score. */
  private detectorScore(name: string, score: number): DetectorScore {
    let byScore = this.detectorScores.get(name);
    if (byScore === undefined) {
      byScore = new Array(10_001);
      this.detectorScores.set(name, byScore);
    }
    const k = Math.round(score * 10_000);
    let d = byScore[k];
    if (d === undefined || d.score !== score) {
      d = { name, score };
      if (k >= 0 && k <= 10_000) byScore[k] = d;
    }
    return d;
  }
}

/** What a verdict is about, for the explanation (an index into {@link KIND_NAMES}). */
const Kind = {
  None: 0,
  NewTemplate: 1,
  TemplateRarity: 2,
  RareValue: 3,
  Level: 4,
  Numeric: 5,
  StatusClass: 6,
  TemplateBurst: 7,
} as const;

const KIND_NAMES = [
  'none',
  'new_template',
  'template_rarity',
  'rare_value',
  'level',
  'numeric',
  'status_class',
  'template_burst',
] as const;

/** Line scores kept over all templates; past it they start over. */
const MAX_SCORES_KEPT = 32_768;
/** Slots for kept line scores per template (a power of two): a new score takes the slot of its hash. */
const SCORE_SLOTS = 64;

/** Slots of the table of line scores seen once (a power of two). */
const SIGHTINGS = 1 << 15;

/** Most numeric fields of a line whose score is kept. */
const KEPT_FIELDS = 4;

/** A line score kept for lines of a template with this level and these (`n`) numeric fields and values. */
interface KeptScore {
  hash: number;
  level: Level | null;
  route: number;
  n: number;
  f0: number;
  v0: number;
  f1: number;
  v1: number;
  f2: number;
  v2: number;
  f3: number;
  v3: number;
  score: LineScore;
}

const BITS_F64 = new Float64Array(1);
const BITS_I32 = new Int32Array(BITS_F64.buffer);

/** Whether a parameter of a line has a value its reference template position never had, where that says something. */
function hasRareValue(facts: TemplateFacts, params: readonly string[], minSupport: number): boolean {
  const positions = facts.positions;
  if (positions === null) return false;
  const np = Math.min(params.length, positions.length);
  for (let i = 0; i < np; i++) {
    const ps = positions[i];
    if (ps && ps.total >= minSupport && !ps.values.has(params[i])) return true;
  }
  return false;
}

/** Whether a tracked field of the line has a value its template's reference lines never had. */
function hasRareField(facts: TemplateFacts, categorical: Record<string, string>): boolean {
  const tracked = facts.fields;
  if (tracked === null) return false;
  for (let i = 0; i < tracked.length; i++) {
    const v = categorical[tracked[i].name];
    if (v !== undefined && !tracked[i].values.has(v)) return true;
  }
  return false;
}

/**
 * Fields that hold a time or a date (Loghub's `Date` and `Time`, `created_at`, `day`), or a process or thread id
 * (`pid`, `tid`): their next value is new by nature (the next day, a restarted process), so they are never
 * tracked for rare values.
 */
const UNTRACKED_FIELD =
  /(?:date|time|stamp)$|(?:^|[._-])(?:ts|day|month|year|hour|minute|second|pid|ppid|tid|thread|thread_?id|process_?id)s?$|(?:_at|At)$/i;

/** A field whose new values mean little: one of them is at least this likely. */
const MAX_UNSEEN_P = 0.5;

/**
 * The categorical fields of a template worth tracking: with at least `minParamSupport` lines and new values rarer
 * than {@link MAX_UNSEEN_P}; the `maxCategoricalFields` where a new value is least likely. Null: none.
 */
function trackedFields(
  byField: Map<string, Map<string, number>>,
  o: { minParamSupport: number; maxCategoricalFields: number; maxValuesPerField: number },
): Record<string, FieldValues> | null {
  const candidates: [string, FieldValues][] = [];
  for (const [field, counts] of byField) {
    let total = 0;
    for (const c of counts.values()) total += c;
    if (total < o.minParamSupport) continue;
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    // No prototype: a value named `__proto__` is a value like any other.
    const values: Record<string, number> = Object.create(null);
    let rest = 0;
    for (let i = 0; i < top.length; i++) {
      const [v, c] = top[i];
      if (i < o.maxValuesPerField) {
        values[v] = c;
        if (c === 1) rest++;
      } else rest += c;
    }
    const unseenP = (rest + 1) / (total + 1);
    if (unseenP < MAX_UNSEEN_P) candidates.push([field, { values, total, unseenP }]);
  }
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => a[1].unseenP - b[1].unseenP || (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(candidates.slice(0, o.maxCategoricalFields));
}

/** A template's tracked fields, ready to score. */
function fieldsOf(state: Record<string, FieldValues> | undefined, ownLines: boolean): TrackedField[] | null {
  if (state === undefined) return null;
  const tracked = Object.entries(state).map(([name, f]) => ({
    name,
    values: seenValues(f.values, ownLines),
    distinct: Object.keys(f.values).length,
    total: f.total,
    unseenP: f.unseenP,
  }));
  return tracked.length > 0 ? tracked : null;
}

/**
 * The reference values that count as seen: all of them, or, when every scored line is in the reference
 * (`ownLines`), those seen more than once: a value seen once is the scored line's own.
 */
function seenValues(counts: Record<string, number>, ownLines: boolean): Set<string> {
  const seen = new Set<string>();
  for (const v in counts) if (!ownLines || counts[v] > 1) seen.add(v);
  return seen;
}

/** A categorical field tracked for rare values, with the values its template's reference lines had. */
interface TrackedField {
  name: string;
  /** The values that count as seen (see {@link seenValues}). */
  values: Set<string>;
  /** Distinct values in the reference (of those kept). */
  distinct: number;
  total: number;
  unseenP: number;
}

/** Most verdicts of one line: template, rare value, level and every numeric field the model follows. */
const MAX_VERDICTS = 64;

/** A numeric field's model, ready to score: against a band, or (an HTTP status) by its class. */
type FollowedField = BandField | StatusField;

/** A quantity (latency, bytes, …) against its per-template band. */
interface BandField {
  kind: 'band';
  /** Position among the model's fields. */
  index: number;
  cal: TailCalibrator;
  log: boolean;
  global: Band;
}

/** An HTTP status field, scored by how common its class was for the template. */
interface StatusField {
  kind: 'status';
  index: number;
  field: string;
  /** The verdict's detector name: `<field>_class`. */
  detector: string;
  global: ClassTail;
  perTemplate: Map<string, ClassTail>;
}

/** Per status class (index 0–4 for 1xx–5xx): the tail probability of a line of that class. */
interface ClassTail {
  /** Reference lines per class. */
  counts: number[];
  tailP: Float64Array;
  /** Reference lines. */
  lines: number;
  /** The reference's classes, most common first: `2xx 97.1 %, 4xx 2.9 %`. */
  mix: string;
}

/**
 * A template's own baselines of one field: per route and class (see {@link NumericFieldModel.perRoute}), per class
 * (see {@link NumericFieldModel.perTemplateClass}), its own; or its status classes.
 */
interface TemplateBands {
  route: (Band | null)[] | null;
  cls: (Band | null)[] | null;
  template: Band | null;
  status: ClassTail | null;
}

/** A numeric baseline and its expected band in the field's own unit, with the text that explains it. */
interface Band {
  base: RobustStats;
  expected: number;
  lower: number;
  upper: number;
  /** The last template the band was explained for, and that explanation's text after the value. */
  template: string | null;
  text: string;
  /** Whole explanations for that template by observed value (values repeat: status codes, whole milliseconds). */
  explained: Map<number, string>;
  /** The values common among the baseline's lines, with their shares (see {@link NumericFieldModel.common}). */
  common: Map<number, number> | null;
  /** The route whose lines the baseline is of, or null (a template's, a class's, all lines'). */
  route: string | null;
}

/** The values a reference template had at one parameter position. */
interface ParamPosition {
  /** The values that count as seen (with `ownLines`, those seen more than once). */
  values: Set<string>;
  /** Distinct values in the reference (of those kept). */
  distinct: number;
  total: number;
  singletons: number;
}

/** A reference template's count, rarity and parameter values. */
interface TemplateFacts {
  count: number;
  tailP: number;
  burst: TemplateBurst | null;
  positions: (ParamPosition | null)[] | null;
  /** The template's tracked categorical fields (see {@link FieldValues}). */
  fields: TrackedField[] | null;
  /** The template's routes with baselines of their own, by route (see {@link LineModelState.routes}). */
  routes: Map<string, number> | null;
  /** The template's own baselines of each followed field, by the field's index. */
  bands: (TemplateBands | null)[];
  /** The explanation of an unremarkable line of this template. */
  seen: string;
  /** The score of a line of this template that only its rarity and level speak about, per level. */
  plain: Map<Level | null, LineScore>;
  /** Mixed into the hash of a line's values, to spread templates over the sightings table. */
  salt: number;
  /** Scores of lines with numeric fields, by a hash of their level and values (see {@link LineModel.score}). */
  scored: (KeptScore | undefined)[] | null;
}

function band(
  base: RobustStats,
  log: boolean,
  bandZ: number,
  common: [number, number][] | null = null,
  route: string | null = null,
): Band {
  const half = bandZ * base.sigma;
  const back = (x: number) => (log ? Math.max(0, Math.expm1(x)) : x);
  return {
    base,
    expected: back(base.median),
    lower: back(base.median - half),
    upper: back(base.median + half),
    template: null,
    text: '',
    explained: new Map(),
    common: common && common.length > 0 ? new Map(common) : null,
    route,
  };
}

/** Most explanations a band keeps by value. */
const MAX_EXPLAINED_VALUES = 256;

/** The explanation of a numeric verdict of a field's band; kept for the band's last template. */
function numericExplanation(b: Band, field: string, observed: number, template: string): string {
  if (b.template !== template) {
    b.template = template;
    const of = b.route === null ? '' : `${b.route} of `;
    b.text = `against an expected ${fmt(b.expected)} (normal range ${fmt(b.lower)} to ${fmt(b.upper)}) for ${of}"${shorten(template)}".`;
    b.explained.clear();
  }
  let text = b.explained.get(observed);
  if (text === undefined) {
    text = `${field} = ${fmt(observed)} ${b.text}`;
    if (b.explained.size >= MAX_EXPLAINED_VALUES) b.explained.clear();
    b.explained.set(observed, text);
  }
  return text;
}

/** A template's burst verdict is kept below this probability (a burst at all); above it, the verdict says nothing. */
const MAX_BURST_P = 0.01;

/**
 * How much a template's rate may vary over the input without its lines counting as a burst: up to this many times
 * its mean rate (day against night, office hours), so lines of a template used only a third of the day are not one.
 */
export const BURST_RATE_VARIATION = 3;

/**
 * Longest stretch of the reference (a share of its lines) a burst may take: its lines come at 20 times the template's
 * mean rate or more. A template whose lines fill a phase of the input (a job's stage, an afternoon) is how that input
 * works, however unlikely its spread would be by chance.
 */
export const MAX_BURST_SPAN = 0.05;

/**
 * How likely `lines` reference lines of a template, placed like the reference's lines, would all fall within a
 * stretch holding a share `span` of the reference, when the template's rate may be up to
 * {@link BURST_RATE_VARIATION} times its mean: the scan statistic's first-order bound
 * `lines · min(1, variation · span)^(lines−1)` (1 for fewer than 3 lines, a pair close together saying little, and
 * past {@link MAX_BURST_SPAN}).
 * A template never seen before the incident that brought it comes as such a burst when the input is its own
 * reference — the first-seen signal there; a rare template of ordinary traffic is spread over the input.
 */
export function burstOf(lines: number, span: number): number {
  if (lines < 3 || span > MAX_BURST_SPAN) return 1;
  return Math.min(1, lines * Math.min(1, BURST_RATE_VARIATION * span) ** (lines - 1));
}

/** `Burst: the 20 reference lines of "…" all came within 0.8 % of the reference (06:54:10 to 06:55:40 UTC).` */
function burstExplanation(b: TemplateBurst, template: string, total: number): string {
  const when =
    b.from !== null && b.to !== null
      ? ` (${new Date(b.from).toISOString().slice(11, 19)} to ${new Date(b.to).toISOString().slice(11, 19)} UTC)`
      : '';
  return `Burst of "${shorten(template)}": its ${b.lines} of ${total} reference lines all came within ${(100 * b.span).toPrecision(2)} % of the reference${when}.`;
}

/** Most routes per template with baselines of their own (the most common). */
export const MAX_ROUTES_PER_TEMPLATE = 256;
/** σ of a normal sample per mean absolute deviation: √(π/2). */
const MEAN_AD_TO_SIGMA = 1.2533;

/** Baselines per route: one per status class (1xx–5xx) and one for lines without a status. */
const ROUTE_CELLS = 6;

interface Routes {
  routes: Record<string, string[]>;
  routeFields: { path: string[]; method: string[] } | undefined;
  lineRoute: Int16Array | null;
}

const NO_ROUTES: Routes = { routes: {}, routeFields: undefined, lineRoute: null };

/**
 * The routes of each template that at least `minLines` reference lines named (most common first, at most
 * {@link MAX_ROUTES_PER_TEMPLATE}), and each reference line's route index in its template's list (-1: none).
 */
function routesOf(sample: readonly LineObservation[], minLines: number): Routes {
  const reader = RouteReader.fieldsOf(sample.map((o) => o.record));
  if (reader.pathFields.length === 0) return NO_ROUTES;
  const named = sample.map((o) => reader.read(o.record));
  if (named.every((r) => r === null)) return NO_ROUTES;
  const counts = new Map<string, Map<string, number>>();
  for (let i = 0; i < sample.length; i++) {
    const route = named[i];
    if (route === null) continue;
    const id = sample[i].templateId;
    let byRoute = counts.get(id);
    if (byRoute === undefined) {
      byRoute = new Map();
      counts.set(id, byRoute);
    }
    byRoute.set(route, (byRoute.get(route) ?? 0) + 1);
  }
  const routes: Record<string, string[]> = {};
  const index = new Map<string, Map<string, number>>();
  for (const [id, byRoute] of counts) {
    const kept = [...byRoute]
      .filter(([, c]) => c >= minLines)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_ROUTES_PER_TEMPLATE)
      .map(([route]) => route);
    // A template whose lines all name one route has nothing to refine.
    if (kept.length === 0 || (kept.length === 1 && byRoute.size === 1)) continue;
    routes[id] = kept;
    index.set(id, new Map(kept.map((route, i) => [route, i])));
  }
  const lineRoute = new Int16Array(sample.length).fill(-1);
  for (let i = 0; i < sample.length; i++) {
    const route = named[i];
    if (route !== null) lineRoute[i] = index.get(sample[i].templateId)?.get(route) ?? -1;
  }
  if (index.size === 0) return NO_ROUTES;
  return {
    routes,
    routeFields: { path: [...reader.pathFields], method: [...reader.methodFields] },
    lineRoute,
  };
}

/** A value is common in a template's reference from this share of its lines on (a tail probability far above θ's). */
export const MIN_COMMON_SHARE = 0.01;
/** Most common values kept per template and field. */
const MAX_COMMON_VALUES = 16;

/** The values of a template's reference lines with a share of at least {@link MIN_COMMON_SHARE}, most common first. */
function commonValues(values: readonly number[]): [number, number][] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const min = MIN_COMMON_SHARE * values.length;
  return [...counts]
    .filter(([, c]) => c >= min)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, MAX_COMMON_VALUES)
    .map(([v, c]) => [v, c / values.length]);
}

/** Last segments (lowercase) of the names of HTTP status fields, e.g. `status` or `http.status_code`. */
const STATUS_FIELD_NAMES: ReadonlySet<string> = new Set([
  'status',
  'status_code',
  'statuscode',
  'http_status',
  'response_code',
  'response_status',
]);

/** An HTTP status field: so named, and every reference value a status code (an integer in 100–599). */
function isStatusField(field: string, values: readonly number[]): boolean {
  if (!STATUS_FIELD_NAMES.has(field.slice(field.lastIndexOf('.') + 1).toLowerCase())) return false;
  for (const v of values) if (!Number.isInteger(v) || v < 100 || v > 599) return false;
  return true;
}

/** Status class (0–4) of a line's first status field that holds a status code, or -1. */
function classOfLine(numeric: Record<string, number>, statusFields: readonly string[]): number {
  for (const field of statusFields) {
    const v = numeric[field];
    if (v === undefined) continue;
    const c = statusClass(v);
    if (c < 5) return c;
  }
  return -1;
}

/** Status class of a code: 0–4 for 1xx–5xx, 5 for anything else. */
function statusClass(v: number): number {
  return Number.isInteger(v) && v >= 100 && v <= 599 ? Math.floor(v / 100) - 1 : 5;
}

/** Reference lines per status class (index 0–4 for 1xx–5xx). */
function classCounts(values: readonly number[]): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (const v of values) {
    const c = statusClass(v);
    if (c < 5) counts[c]++;
  }
  return counts;
}

/**
 * The tail probability of each class, as for template rarity: the reference share of lines whose class was at
 * most as common (½ a line for a class never seen, and for codes outside 100–599).
 */
function classTail(counts: readonly number[]): ClassTail {
  let lines = 0;
  for (const c of counts) lines += c;
  const tailP = new Float64Array(6);
  for (let k = 0; k < 6; k++) {
    const own = k < 5 ? counts[k] : 0;
    let atMost = 0;
    if (own > 0) for (const c of counts) if (c <= own) atMost += c;
    tailP[k] = Math.min(1, (atMost + 0.5) / (lines + 1));
  }
  const mix = counts
    .map((c, k) => [c, k] as const)
    .filter(([c]) => c > 0)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([c, k]) => `${k + 1}xx ${((100 * c) / lines).toFixed(1)} %`)
    .join(', ');
  return { counts: [...counts], tailP, lines, mix };
}

function classTailP(t: ClassTail, v: number): number {
  return t.tailP[statusClass(v)];
}

/**
 * `status = 503 (5xx, never seen in 1200 reference lines of "GET <*> <*>": 2xx 97.1 %, 4xx 2.9 %).` The template's
 * own reference when it had one, else all lines.
 */
function statusExplanation(m: StatusField, templateId: string, observed: number, template: string): string {
  const own = m.perTemplate.get(templateId);
  const t = own ?? m.global;
  const c = statusClass(observed);
  const label = c < 5 ? `${c + 1}xx` : 'not a status code';
  const seen = c < 5 ? t.counts[c] : 0;
  const where = `${t.lines} reference lines${own ? ` of "${shorten(template)}"` : ''}`;
  const how = seen === 0 ? `never seen in ${where}` : `${((100 * seen) / t.lines).toFixed(1)} % of ${where}`;
  return `${m.field} = ${fmt(observed)} (${label}, ${how}: ${t.mix}).`;
}

function shortenValue(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

function shorten(template: string): string {
  return template.length > 80 ? `${template.slice(0, 77)}...` : template;
}

function fmt(x: number): string {
  // Bands of skewed fields on a log scale can reach past any value seen: 3 significant digits say enough there.
  if (Math.abs(x) >= 1e9) return x.toPrecision(3);
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function explainLine(kind: string, score: number, e: LineEvidence, template: string): string {
  const t = shorten(template);
  switch (kind) {
    case 'new_template':
      return `New template "${t}" never seen in ${e.referenceLines} reference lines.`;
    case 'template_rarity':
      if (score < 0.3)
        return `Template seen ${e.templateCount} times in ${e.referenceLines} reference lines.`;
      return `Rare template "${t}": ${e.templateCount} of ${e.referenceLines} reference lines.`;
    case 'rare_value':
      if (e.rareValue?.field != null) {
        const r = e.rareValue;
        const where = `${r.otherLines ? 'any other of the ' : ''}${r.support} reference lines of "${t}"`;
        return `${r.field} = "${shortenValue(r.value)}" never seen in ${where} (${r.distinct} distinct values).`;
      }
      if (e.rareValue) {
        const r = e.rareValue;
        return `Value "${r.value}" never seen at parameter ${r.position + 1} of "${t}"${r.otherLines ? ' in any other line' : ''} (${r.distinct} distinct values in ${r.support} reference lines).`;
      }
      break;
    case 'level':
      return `${(e.level ?? 'unknown').toUpperCase()} line; lines this severe are rare in the reference.`;
    case 'numeric':
      if (e.numeric) {
        return `${e.numeric.field} = ${fmt(e.numeric.observed)} against an expected ${fmt(e.numeric.expected)} (normal range ${fmt(e.numeric.lower)} to ${fmt(e.numeric.upper)}) for "${t}".`;
      }
      break;
  }
  return 'Nothing unusual about this line.';
}
