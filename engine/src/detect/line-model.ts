import { type RobustStats, robustStats, robustZ } from '../features/robust-stats.js';
import { DEFAULT_THRESHOLD, tailProbabilityFromScore } from '../model/score.js';
import { LEVELS, type Level, type ParsedRecord } from '../parse/record.js';
import { TailCalibrator, type TailCalibratorState } from './calibration.js';
import { combineVerdicts, type DetectorVerdict, type EnsembleResult } from './ensemble.js';

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
}

interface ParamStats {
  values: Record<string, number>;
  total: number;
  singletons: number;
}

interface NumericFieldModel {
  /** Whether the baselines are on the log1p scale (fields never negative in the reference). */
  log: boolean;
  global: RobustStats;
  perTemplate: Record<string, RobustStats>;
  calibrator: TailCalibratorState;
  /** Robust z at which this field alone reaches θ: the half-width of the expected band, in σ. */
  bandZ: number;
}

/** Serialized {@link LineModel}. */
export interface LineModelState {
  total: number;
  templateCounts: Record<string, number>;
  templateTailP: Record<string, number>;
  newTemplateP: number;
  levelTailP: Partial<Record<Level, number>>;
  params: Record<string, ParamStats[]>;
  numeric: Record<string, NumericFieldModel>;
  minParamSupport: number;
}

/** A line's evidence: what the strongest detector saw. */
export interface LineEvidence {
  templateCount: number;
  referenceLines: number;
  newTemplate: boolean;
  rareValue: { position: number; value: string; distinct: number; support: number } | null;
  numeric: { field: string; observed: number; expected: number; lower: number; upper: number } | null;
  level: Level | null;
}

/** A scored line. */
export interface LineScore extends EnsembleResult {
  evidence: LineEvidence;
  explanation: string;
  /** Set by the hard rule for FATAL/panic lines. */
  fatal: boolean;
}

const SEVERE_LEVELS: readonly Level[] = ['warn', 'error', 'fatal'];

/**
 * The line-level model: template rarity (tail mass of templates at most this frequent), first-seen templates
 * (Good–Turing probability of an unseen template), rare parameter values (Good–Turing per template position),
 * the level, and numeric fields (latency, bytes, …) against per-template median/MAD baselines. Every detector is a
 * tail probability on the reference sample; {@link combineVerdicts} joins them.
 */
export class LineModel {
  private readonly numeric = new Map<string, NumericField>();
  private readonly templateCounts: Map<string, number>;
  /** What scoring needs of each reference template, found with one lookup. */
  private readonly templates = new Map<string, TemplateFacts>();

  private constructor(private readonly s: LineModelState) {
    for (const [field, m] of Object.entries(s.numeric)) {
      const numeric: NumericField = {
        cal: TailCalibrator.fromJSON(m.calibrator),
        log: m.log,
        global: band(m.global, m.log, m.bandZ),
        perTemplate: new Map(),
      };
      for (const [id, base] of Object.entries(m.perTemplate))
        numeric.perTemplate.set(id, band(base, m.log, m.bandZ));
      this.numeric.set(field, numeric);
    }
    this.templateCounts = new Map(Object.entries(s.templateCounts));
    for (const [id, count] of this.templateCounts) {
      const positions = s.params[id]?.map((p) =>
        p ? { values: new Map(Object.entries(p.values)), total: p.total, singletons: p.singletons } : null,
      );
      this.templates.set(id, {
        count,
        tailP: s.templateTailP[id] ?? 1,
        positions: positions ?? null,
        seen: `Template seen ${count} times in ${s.total} reference lines.`,
        plain: new Map(),
      });
    }
  }

  /** Learns from a reference sample of lines. */
  static fit(sample: readonly LineObservation[], options: LineModelOptions = {}): LineModel {
    const {
      maxParamPositions = 8,
      maxValuesPerPosition = 64,
      minParamSupport = 20,
      minNumericSupport = 10,
      maxNumericFields = 16,
    } = options;
    const total = sample.length;
    const templateCounts: Record<string, number> = {};
    const levelCounts = new Map<Level, number>();
    const paramCounts = new Map<string, Map<string, number>[]>();
    const numericValues = new Map<string, number[]>();
    const numericByTemplate = new Map<string, Map<string, number[]>>();
    for (const { record, templateId, params } of sample) {
      templateCounts[templateId] = (templateCounts[templateId] ?? 0) + 1;
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
      for (const field in record.numeric) {
        const v = record.numeric[field];
        if (!Number.isFinite(v)) continue;
        let all = numericValues.get(field);
        if (!all) {
          all = [];
          numericValues.set(field, all);
          numericByTemplate.set(field, new Map());
        }
        all.push(v);
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

    const numeric: Record<string, NumericFieldModel> = {};
    const fields = [...numericValues.entries()]
      .filter(([, v]) => v.length >= minNumericSupport)
      .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxNumericFields);
    for (const [field, values] of fields) {
      // Non-negative quantities (latency, bytes, amounts) are skewed: model them on a log scale.
      const log = values.every((v) => v >= 0);
      const scale = (v: number) => (log ? Math.log1p(v) : v);
      const global = robustStats(values.map(scale));
      const perTemplate: Record<string, RobustStats> = {};
      const byTemplate = numericByTemplate.get(field) as Map<string, number[]>;
      for (const [id, tv] of byTemplate) {
        if (tv.length >= minNumericSupport) perTemplate[id] = robustStats(tv.map(scale));
      }
      const zs = new Float64Array(values.length);
      let k = 0;
      for (const [id, tv] of byTemplate) {
        const base = perTemplate[id] ?? global;
        for (const v of tv) zs[k++] = robustZ(scale(v), base);
      }
      const calibrator = TailCalibrator.fit(zs);
      numeric[field] = {
        log,
        global,
        perTemplate,
        calibrator: calibrator.toJSON(),
        bandZ: calibrator.valueAtTailProbability(tailProbabilityFromScore(DEFAULT_THRESHOLD)),
      };
    }

    return new LineModel({
      total,
      templateCounts,
      templateTailP,
      newTemplateP,
      levelTailP,
      params,
      numeric,
      minParamSupport,
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

  /** Scores one line given its parsed record and template. */
  score(record: ParsedRecord, templateId: string, params: readonly string[], template: string): LineScore {
    const facts = this.templates.get(templateId);
    if (facts !== undefined && facts.count > 0 && this.onlyRarity(record, facts, params)) {
      // Most lines: nothing but their template's rarity to say, so the same (immutable) score every time.
      let plain = facts.plain.get(record.level);
      if (plain === undefined) {
        plain = this.scoreFully(record, facts, templateId, params, template);
        facts.plain.set(record.level, plain);
      }
      return plain;
    }
    return this.scoreFully(record, facts, templateId, params, template);
  }

  /** Whether a line of a known template has no rare value, no severe level and no numeric field to score. */
  private onlyRarity(record: ParsedRecord, facts: TemplateFacts, params: readonly string[]): boolean {
    const level = record.level;
    if (level === 'warn' || level === 'error' || level === 'fatal') return false;
    if (record.message.startsWith('panic:')) return false;
    for (const field in record.numeric) if (this.numeric.has(field)) return false;
    const positions = facts.positions;
    if (positions) {
      const np = Math.min(params.length, positions.length);
      for (let i = 0; i < np; i++) {
        const ps = positions[i];
        if (ps && ps.total >= this.s.minParamSupport && !ps.values.has(params[i])) return false;
      }
    }
    return true;
  }

  private scoreFully(
    record: ParsedRecord,
    facts: TemplateFacts | undefined,
    templateId: string,
    params: readonly string[],
    template: string,
  ): LineScore {
    const s = this.s;
    const verdicts: DetectorVerdict[] = [];
    const templateCount = facts === undefined ? 0 : facts.count;
    const newTemplate = templateCount === 0;
    const evidence: LineEvidence = {
      templateCount,
      referenceLines: s.total,
      newTemplate,
      rareValue: null,
      numeric: null,
      level: record.level,
    };
    const kinds: string[] = [];
    if (facts === undefined || newTemplate) {
      verdicts.push({ name: 'new_template', p: s.newTemplateP });
      kinds.push('new_template');
    } else {
      verdicts.push({ name: 'template_rarity', p: facts.tailP });
      kinds.push('template_rarity');
      const positions = facts.positions;
      if (positions) {
        let best: { p: number; position: number; value: string; distinct: number; support: number } | null =
          null;
        const np = Math.min(params.length, positions.length);
        for (let i = 0; i < np; i++) {
          const ps = positions[i];
          if (!ps || ps.total < s.minParamSupport || ps.values.has(params[i])) continue;
          const p = (ps.singletons + 1) / (ps.total + 1);
          if (!best || p < best.p) {
            best = { p, position: i, value: params[i], distinct: ps.values.size, support: ps.total };
          }
        }
        if (best) {
          verdicts.push({ name: 'rare_value', p: Math.min(1, best.p * np) });
          kinds.push('rare_value');
          evidence.rareValue = {
            position: best.position,
            value: best.value,
            distinct: best.distinct,
            support: best.support,
          };
        }
      }
    }
    const level = record.level;
    if (level === 'warn' || level === 'error' || level === 'fatal') {
      verdicts.push({ name: 'level', p: s.levelTailP[level] ?? 1 });
      kinds.push('level');
    }
    let bestNumericP = 1;
    let bestBand: Band | null = null;
    for (const field in record.numeric) {
      const m = this.numeric.get(field);
      if (!m) continue;
      const v = record.numeric[field];
      if (!Number.isFinite(v)) continue;
      const b = m.perTemplate.get(templateId) ?? m.global;
      const p = m.cal.tailProbability(robustZ(m.log ? Math.log1p(Math.max(0, v)) : v, b.base));
      verdicts.push({ name: field, p });
      kinds.push('numeric');
      if (p < bestNumericP) {
        bestNumericP = p;
        bestBand = b;
        evidence.numeric = { field, observed: v, expected: b.expected, lower: b.lower, upper: b.upper };
      }
    }
    const result = combineVerdicts(verdicts);
    const fatal = level === 'fatal' || record.message.startsWith('panic:');
    const strongestKind = result.strongest >= 0 ? kinds[result.strongest] : 'none';
    if (strongestKind !== 'numeric')
      evidence.numeric = evidence.numeric && bestNumericP < 1e-3 ? evidence.numeric : null;
    let explanation: string;
    if (strongestKind === 'template_rarity' && result.score < 0.3 && facts !== undefined)
      explanation = facts.seen;
    else if (strongestKind === 'numeric' && evidence.numeric && bestBand !== null) {
      explanation = `${evidence.numeric.field} = ${fmt(evidence.numeric.observed)} ${bandText(bestBand, template)}`;
    } else explanation = explainLine(strongestKind, result, evidence, template);
    return {
      score: result.score,
      detectors: result.detectors,
      strongest: result.strongest,
      evidence,
      fatal,
      explanation,
    };
  }
}

/** A numeric field's model, ready to score. */
interface NumericField {
  cal: TailCalibrator;
  log: boolean;
  global: Band;
  perTemplate: Map<string, Band>;
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
}

/** A reference template's count, rarity and parameter values. */
interface TemplateFacts {
  count: number;
  tailP: number;
  positions: ({ values: Map<string, number>; total: number; singletons: number } | null)[] | null;
  /** The explanation of an unremarkable line of this template. */
  seen: string;
  /** The score of a line of this template that only its rarity speaks about, per level (it is the same every time). */
  plain: Map<Level | null, LineScore>;
}

function band(base: RobustStats, log: boolean, bandZ: number): Band {
  const half = bandZ * base.sigma;
  const back = (x: number) => (log ? Math.max(0, Math.expm1(x)) : x);
  return {
    base,
    expected: back(base.median),
    lower: back(base.median - half),
    upper: back(base.median + half),
    template: null,
    text: '',
  };
}

/** The explanation of a numeric verdict after `field = value`, kept for the band's last template. */
function bandText(b: Band, template: string): string {
  if (b.template !== template) {
    b.template = template;
    b.text = `against an expected ${fmt(b.expected)} (normal range ${fmt(b.lower)} to ${fmt(b.upper)}) for "${shorten(template)}".`;
  }
  return b.text;
}

function shorten(template: string): string {
  return template.length > 80 ? `${template.slice(0, 77)}...` : template;
}

function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function explainLine(kind: string, result: EnsembleResult, e: LineEvidence, template: string): string {
  const t = shorten(template);
  switch (kind) {
    case 'new_template':
      return `New template "${t}" never seen in ${e.referenceLines} reference lines.`;
    case 'template_rarity':
      if (result.score < 0.3)
        return `Template seen ${e.templateCount} times in ${e.referenceLines} reference lines.`;
      return `Rare template "${t}": ${e.templateCount} of ${e.referenceLines} reference lines.`;
    case 'rare_value':
      if (e.rareValue) {
        return `Value "${e.rareValue.value}" never seen at parameter ${e.rareValue.position + 1} of "${t}" (${e.rareValue.distinct} distinct values in ${e.rareValue.support} reference lines).`;
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
