import { createRng } from '../random/rng.js';
import { type AliasTable, createAliasTable } from './alias-table.js';
import { incidentTemplates } from './incident-templates.js';
import { jsonTemplates } from './json-services.js';
import { nginxTemplates } from './nginx-routes.js';
import { compilePattern, InvalidPatternError, type Render } from './pattern.js';
import { flowTemplates, SESSION_FLOWS } from './session-flows.js';
import { DEFAULT_SLOTS } from './slots.js';
import { syslogTemplates } from './syslog-messages.js';
import { SYNTHETIC_FORMATS, type SyntheticFormat, type TemplateSpec } from './template.js';
import { textTemplates } from './text-services.js';

/** A compiled template: its spec, its id (index in the catalogue) and its render function. */
export interface Template extends TemplateSpec {
  /** Endpoint the line reports on, or '' when it reports none. */
  route: string;
  id: number;
  /** Index of `format` in {@link SYNTHETIC_FORMATS}. */
  formatIndex: number;
  render: Render;
}

/** A session flow with its steps resolved to templates. */
export interface Flow {
  name: string;
  steps: readonly Template[];
}

/** Every template the generator can write, and the distributions it draws them from. */
export interface Catalogue {
  readonly templates: readonly Template[];
  readonly flows: readonly Flow[];
  /** Draws among the independent (`zipf`) templates and one extra outcome, {@link SESSION_DRAW}. */
  readonly draw: AliasTable;
  /** Maps an outcome of {@link draw} to a template id, or {@link SESSION_DRAW} for "advance a session". */
  readonly drawTemplate: Int32Array;
  /** Draws a flow for a new session. */
  readonly flowDraw: AliasTable;
  /** The template with a key; throws when there is none. */
  byKey(key: string): Template;
}

/** Marks the draw outcome that advances a session instead of writing an independent line. */
export const SESSION_DRAW = -1;

/**
 * Share of lines per format among independent lines, and the share of session steps. Session steps are about
 * 80 % JSON and 20 % text, so overall lines are ≈ 41 % JSON, 28 % nginx, 20 % text and 11 % syslog.
 */
export const FORMAT_SHARES: Readonly<Record<SyntheticFormat, number>> = {
  json: 0.3,
  nginx: 0.28,
  text: 0.17,
  syslog: 0.11,
};
/** Share of lines that are steps of a multi-line session. */
export const SESSION_SHARE = 0.14;
/** Exponent of the Zipf law over templates ranked within a format. */
export const ZIPF_EXPONENT = 1;

let cached: Catalogue | undefined;

/** The catalogue, built once per process (it does not depend on the generation seed). */
export function getCatalogue(): Catalogue {
  cached ??= buildCatalogue();
  return cached;
}

function buildCatalogue(): Catalogue {
  const specs = [
    ...jsonTemplates(),
    ...textTemplates(),
    ...nginxTemplates(),
    ...syslogTemplates(),
    ...flowTemplates(),
    ...incidentTemplates(),
  ];
  const byKey = new Map<string, Template>();
  const templates = specs.map((spec, id): Template => {
    if (byKey.has(spec.key)) throw new InvalidPatternError(`duplicate template key ${spec.key}`);
    // One object shape for every template keeps property reads monomorphic in the generator's loop.
    const template: Template = {
      key: spec.key,
      format: spec.format,
      service: spec.service,
      outcome: spec.outcome,
      tier: spec.tier,
      route: spec.route ?? '',
      pattern: spec.pattern,
      role: spec.role,
      id,
      formatIndex: SYNTHETIC_FORMATS.indexOf(spec.format),
      render: compilePattern(spec.pattern, DEFAULT_SLOTS),
    };
    byKey.set(spec.key, template);
    return template;
  });
  const lookup = (key: string): Template => {
    const t = byKey.get(key);
    if (t === undefined) throw new InvalidPatternError(`no template ${key}`);
    return t;
  };
  const weights: number[] = [];
  const ids: number[] = [];
  for (const format of SYNTHETIC_FORMATS) {
    const ranked = rankWithinFormat(templates.filter((t) => t.role === 'zipf' && t.format === format));
    const harmonic = ranked.reduce((sum, _, r) => sum + (r + 1) ** -ZIPF_EXPONENT, 0);
    ranked.forEach((t, r) => {
      ids.push(t.id);
      weights.push((FORMAT_SHARES[format] * (r + 1) ** -ZIPF_EXPONENT) / harmonic);
    });
  }
  ids.push(SESSION_DRAW);
  weights.push(SESSION_SHARE);
  const flows = SESSION_FLOWS.map((f) => ({
    name: f.name,
    steps: f.steps.map((_, i) => lookup(`flow.${f.name}.${i}`)),
  }));
  return {
    templates,
    flows,
    draw: createAliasTable(weights),
    drawTemplate: Int32Array.from(ids),
    flowDraw: createAliasTable(SESSION_FLOWS.map((f) => f.weight)),
    byKey: lookup,
  };
}

// Tier by tier (routine before rare), shuffled within a tier by a fixed seed.
function rankWithinFormat(templates: Template[]): Template[] {
  const rng = createRng(0x7a1f);
  const keyed = templates.map((t) => ({ t, order: t.tier + rng.next() }));
  keyed.sort((a, b) => a.order - b.order);
  return keyed.map((k) => k.t);
}
