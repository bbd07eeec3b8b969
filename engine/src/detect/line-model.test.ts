import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import type { Level, ParsedRecord } from '../parse/record.js';
import { createRng } from '../random/rng.js';
import {
  BURST_RATE_VARIATION,
  burstOf,
  LineModel,
  type LineObservation,
  MAX_BURST_SPAN,
} from './line-model.js';

function rec(
  message: string,
  level: Level | null = 'info',
  numeric: Record<string, number> = {},
): ParsedRecord {
  return { timestamp: null, level, service: 'api', message, numeric, categorical: {}, format: 'generic' };
}

function reference(n: number): LineObservation[] {
  const rng = createRng(3);
  const out: LineObservation[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.6) {
      const latency = 100 + 10 * (rng.next() - 0.5) * 4;
      out.push({
        record: rec('GET /api', 'info', { latency_ms: latency }),
        templateId: 'get',
        params: [`u${rng.int(5000)}`, 'GET'],
      });
    } else if (r < 0.95) {
      out.push({ record: rec('cache hit'), templateId: 'cache', params: [['eu', 'us', 'ap'][rng.int(3)]] });
    } else {
      out.push({ record: rec('retrying', 'warn'), templateId: 'retry', params: [] });
    }
  }
  return out;
}

describe('LineModel', () => {
  const model = LineModel.fit(reference(20_000));

  it('does not flag lines like the reference', () => {
    const typical = model.score(
      rec('GET /api', 'info', { latency_ms: 101 }),
      'get',
      ['u77', 'GET'],
      'GET /api',
    );
    expect(typical.score).toBeLessThan(0.3);
    expect(model.score(rec('cache hit'), 'cache', ['us'], 'cache hit <*>').score).toBeLessThan(
      DEFAULT_THRESHOLD,
    );
    expect(model.score(rec('retrying', 'warn'), 'retry', [], 'retrying').score).toBeLessThan(
      DEFAULT_THRESHOLD,
    );
  });

  it('flags a template it never saw, and says so', () => {
    const s = model.score(rec('disk full', 'error'), 'new1', [], 'disk full');
    expect(s.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(s.evidence.newTemplate).toBe(true);
    expect(s.detectors.map((d) => d.name)).toContain('new_template');
  });

  it('flags a latency far from its template baseline with expected bounds', () => {
    const s = model.score(rec('GET /api', 'info', { latency_ms: 2_000 }), 'get', ['u1', 'GET'], 'GET /api');
    expect(s.score).toBeGreaterThanOrEqual(0.85);
    expect(s.evidence.numeric?.expected).toBeCloseTo(100, -1);
    expect(s.explanation).toMatch(/latency_ms = 2000/);
  });

  it('flags a new value at a low-cardinality position but not at an id position', () => {
    const region = model.score(rec('cache hit'), 'cache', ['mars'], 'cache hit <*>');
    expect(region.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(region.evidence.rareValue?.value).toBe('mars');
    const user = model.score(
      rec('GET /api', 'info', { latency_ms: 100 }),
      'get',
      ['u999999', 'GET'],
      'GET /api',
    );
    expect(user.score).toBeLessThan(DEFAULT_THRESHOLD);
  });

  it('marks fatal lines for the hard rule', () => {
    expect(model.score(rec('boom', 'fatal'), 'cache', ['us'], 'x').fatal).toBe(true);
  });

  it('round-trips through JSON with identical scores', () => {
    const copy = LineModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const line = rec('GET /api', 'info', { latency_ms: 180 });
    expect(copy.score(line, 'get', ['u1', 'GET'], 't')).toEqual(model.score(line, 'get', ['u1', 'GET'], 't'));
  });

  it('gives a kept score only to lines that score the same as it, whatever came before', () => {
    const rng = createRng(11);
    const lines: [ParsedRecord, string, string[]][] = [];
    for (let i = 0; i < 20_000; i++) {
      const level: Level = (['info', 'warn', 'error', 'fatal'] as const)[rng.int(4)];
      // Few latencies (so scores are kept and given again), many (so slots are taken over), -0, extra fields.
      const latency = rng.next() < 0.5 ? 90 + rng.int(30) : rng.next() * 5000 - 100;
      const numeric: Record<string, number> = rng.next() < 0.1 ? { latency_ms: -0 } : { latency_ms: latency };
      if (rng.next() < 0.3) numeric.other = rng.int(3);
      const template = ['get', 'cache', 'retry', 'never-seen'][rng.int(4)];
      const message = rng.next() < 0.01 ? 'panic: boom' : 'GET /api';
      lines.push([rec(message, level, rng.next() < 0.2 ? {} : numeric), template, [`u${rng.int(9)}`, 'GET']]);
    }
    let shared = 0;
    for (const [record, template, params] of lines) {
      const fresh = LineModel.fromJSON(model.toJSON());
      const got = model.score(record, template, params, template);
      const want = fresh.score(record, template, params, template);
      expect({ ...got, shared: false }).toEqual({ ...want, shared: false });
      if (got.shared) shared++;
    }
    // Half the lines repeat a few latencies; a score is kept from its second sighting on.
    expect(shared).toBeGreaterThan(lines.length / 10);
  });
});

/** Access-log lines of one template: 2xx with a body, some 304 without one, a few 404s. */
function accessLog(n: number): LineObservation[] {
  const rng = createRng(11);
  const out: LineObservation[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    const status = r < 0.8 ? 200 : r < 0.96 ? 304 : 404;
    const bytes = status === 304 ? 0 : status === 404 ? 150 + rng.int(10) : 4000 + rng.int(2000);
    out.push({
      record: rec('GET /', status === 404 ? 'warn' : 'info', { status, bytes, latency_ms: 20 + rng.int(20) }),
      templateId: 'get',
      params: [String(status)],
    });
  }
  return out;
}

describe('LineModel on HTTP status fields', () => {
  const model = LineModel.fit(accessLog(20_000));
  const score = (status: number, bytes: number, level: Level = 'info') =>
    model.score(rec('GET /', level, { status, bytes, latency_ms: 30 }), 'get', [String(status)], 'GET / <*>');

  it('scores the status by its class, not as a magnitude', () => {
    const ok = score(200, 5000);
    expect(ok.score).toBeLessThan(0.3);
    expect(ok.detectors.map((d) => d.name)).toEqual([
      'template_rarity',
      'status_class',
      'bytes',
      'latency_ms',
    ]);
    expect(score(404, 155, 'warn').score).toBeLessThan(DEFAULT_THRESHOLD);
    // 5xx never came: the class speaks, with the reference's mix, and no expected value or band.
    const failed = score(503, 5000);
    expect(failed.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(failed.explanation).toBe(
      'status = 503 (5xx, never seen in 20000 reference lines of "GET / <*>": 2xx 79.7 %, 3xx 16.4 %, 4xx 3.9 %).',
    );
    expect(failed.evidence.numeric).toBeNull();
  });

  it('baselines the other fields per status class', () => {
    // A 304 has no body; a 200 without one is what is odd.
    expect(score(304, 0).score).toBeLessThan(0.3);
    const empty = score(200, 0);
    expect(empty.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(empty.evidence.numeric).toMatchObject({ field: 'bytes', observed: 0 });
    expect(empty.evidence.numeric?.expected).toBeGreaterThan(4000);
  });

  it('keeps a model saved before status classes working as it did', () => {
    const state = structuredClone(LineModel.fit(accessLog(2_000)).toJSON());
    const old = LineModel.fromJSON({ ...state, status: undefined });
    for (const m of Object.values(state.numeric)) m.perTemplateClass = undefined;
    const s = LineModel.fromJSON(state).score(
      rec('GET /', 'info', { status: 200, bytes: 5000 }),
      'get',
      ['200'],
      'GET /',
    );
    expect(s.score).toBeLessThan(0.3);
    expect(
      old
        .score(rec('GET /', 'info', { status: 503, bytes: 5000 }), 'get', ['503'], 'GET /')
        .detectors.map((d) => d.name),
    ).not.toContain('status_class');
  });
});

/** Access-log lines of one template over three routes: a probe with a 2-byte body, a list and an upload. */
function routedLog(n: number): LineObservation[] {
  const rng = createRng(13);
  const out: LineObservation[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    const [path, bytes, latency] =
      r < 0.5
        ? ['/readyz', 2, 1 + rng.int(2)]
        : r < 0.9
          ? [`/api/items/${1000 + rng.int(9000)}`, 3000 + rng.int(3000), 40 + rng.int(40)]
          : ['/api/upload', 20 + rng.int(10), 300 + rng.int(200)];
    out.push({
      record: {
        ...rec('GET <*>', 'info', { status: 200, bytes, latency_ms: latency }),
        categorical: { method: 'GET', path },
      },
      templateId: 'get',
      params: [path],
    });
  }
  return out;
}

describe('LineModel on routes', () => {
  const model = LineModel.fit(routedLog(20_000));
  /** A request line of `path` (status 200) scored by `by`. */
  const score = (path: string, bytes: number, latency: number, by = model) =>
    by.score(
      {
        ...rec('GET <*>', 'info', { status: 200, bytes, latency_ms: latency }),
        categorical: { method: 'GET', path },
      },
      'get',
      [path],
      'GET <*>',
    );

  it('baselines numeric fields per route of a template', () => {
    expect(model.toJSON().routes?.get).toEqual(['GET /readyz', 'GET /api/items/:id', 'GET /api/upload']);
    // Small bodies and slow answers are each route's normal, however far from the template's median.
    expect(score('/readyz', 2, 1).score).toBeLessThan(0.3);
    expect(score('/api/upload', 25, 400).score).toBeLessThan(0.3);
    expect(score('/api/items/4242', 4500, 60).score).toBeLessThan(0.3);
    // What is normal for one route is not for another, and the explanation names the route.
    const slowProbe = score('/readyz', 2, 400);
    expect(slowProbe.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(slowProbe.explanation).toMatch(
      /^latency_ms = 400 against an expected [12]\.\d+ .* for GET \/readyz of "GET <\*>"\.$/,
    );
    expect(score('/api/items/7', 2, 60).score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });

  it('keeps a route whose error bodies have two sizes from stretching the bands of the field', () => {
    const rng = createRng(17);
    const sample = routedLog(20_000).map((o, i) => {
      if (i % 10 !== 0) return o;
      // One line in ten fails with one of two error pages of about 160 or 500 bytes, on every route: more than half
      // the failures within 3 bytes of one another, a MAD of nearly 0.
      const r = rng.next();
      const bytes = r < 0.3 ? 497 : r < 0.6 ? 500 : r < 0.8 ? 157 : 167;
      return { ...o, record: { ...o.record, numeric: { ...o.record.numeric, status: 503, bytes } } };
    });
    const bimodal = LineModel.fit(sample);
    expect(bimodal.toJSON().numeric.bytes.bandZ).toBeLessThan(6);
    const empty = score('/api/items/1', 2, 60, bimodal);
    expect(empty.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });

  it('falls back to the template baseline for a route it does not know', () => {
    const other = score('/api/other', 3000, 100_000);
    const template = model.toJSON().numeric.latency_ms.perTemplate.get;
    expect(other.evidence.numeric?.field).toBe('latency_ms');
    expect(other.evidence.numeric?.expected).toBeCloseTo(Math.expm1(template.median), 6);
    expect(other.explanation).toMatch(/ for "GET <\*>"\.$/);
  });

  it('keeps a model saved before routes working', () => {
    const state = structuredClone(model.toJSON());
    state.routes = undefined;
    for (const m of Object.values(state.numeric)) {
      m.perRoute = undefined;
      m.commonByRoute = undefined;
    }
    const old = LineModel.fromJSON(state);
    // Without routes, a slow probe is judged by the template's lines, where 400 ms is an upload's normal.
    const probe = score('/readyz', 2, 400, old);
    expect(probe.score).toBeLessThan(DEFAULT_THRESHOLD);
    expect(probe.explanation).not.toContain('/readyz');
  });
});

describe('template bursts (the input as its own reference)', () => {
  /** 10,000 ordinary lines; `rare` lines of template `t` either together from line `from` on or spread evenly. */
  function input(rare: number, together: boolean, from = 6_000): LineObservation[] {
    const out: LineObservation[] = [];
    for (let i = 0; i < 10_000; i++) {
      const at = together ? i - from : i % Math.floor(10_000 / rare);
      if (
        together ? at >= 0 && at < rare : at === 0 && out.filter((o) => o.templateId === 't').length < rare
      ) {
        out.push({
          record: { ...rec('ledger out of balance', 'error'), timestamp: Date.UTC(2026, 0, 1, 7, 0, i) },
          templateId: 't',
          params: [],
        });
      } else out.push({ record: rec(`step ${i % 40}`), templateId: `s${i % 40}`, params: [] });
    }
    return out;
  }
  const line = rec('ledger out of balance', 'error');

  it('bounds the chance of lines this close together', () => {
    expect(burstOf(2, 0.0001)).toBe(1);
    expect(burstOf(20, 2 * MAX_BURST_SPAN)).toBe(1);
    expect(burstOf(20, 0.002)).toBeCloseTo(20 * (BURST_RATE_VARIATION * 0.002) ** 19);
    expect(burstOf(4, 0.05)).toBeGreaterThan(0.01);
  });

  it('scores the lines of a template that came all at once, and says when', () => {
    const model = LineModel.fit(input(15, true), { bursts: true });
    const s = model.score(line, 't', [], 'ledger out of balance');
    expect(s.score).toBeGreaterThanOrEqual(0.95);
    expect(s.detectors.map((d) => d.name)).toContain('template_burst');
    expect(s.explanation).toBe(
      'Burst of "ledger out of balance": its 15 of 10000 reference lines all came within 0.15 % of the reference (08:40:00 to 08:40:14 UTC).',
    );
  });

  it('leaves a rare template spread over the input, and every template of a model trained on other lines', () => {
    const spread = LineModel.fit(input(15, false), { bursts: true }).score(
      line,
      't',
      [],
      'ledger out of balance',
    );
    expect(spread.detectors.map((d) => d.name)).not.toContain('template_burst');
    const other = LineModel.fit(input(15, true)).score(line, 't', [], 'ledger out of balance');
    expect(other.detectors.map((d) => d.name)).not.toContain('template_burst');
  });

  it("leaves a burst that came as the input began (its process's start-up), not one a little later", () => {
    const names = (from: number) =>
      LineModel.fit(input(15, true, from), { bursts: true })
        .score(line, 't', [], 'ledger out of balance')
        .detectors.map((d) => d.name);
    expect(names(100)).not.toContain('template_burst');
    expect(names(10_000 * MAX_BURST_SPAN - 1)).not.toContain('template_burst');
    expect(names(10_000 * MAX_BURST_SPAN)).toContain('template_burst');
  });
});

describe('common values of a template', () => {
  it('does not flag a value a fair share of the template had, however far from its median', () => {
    // Retries: mostly attempt 4 or 5, one in ten an early attempt 2.
    const rng = createRng(5);
    const sample: LineObservation[] = [];
    for (let i = 0; i < 5_000; i++) {
      const attempt = i % 10 === 0 ? 2 : 4 + rng.int(2);
      sample.push({ record: rec('retrying', 'warn', { attempt }), templateId: 'retry', params: [] });
      sample.push({ record: rec('done', 'info', { attempt: 1 }), templateId: 'done', params: [] });
    }
    const model = LineModel.fit(sample);
    const at = (attempt: number) =>
      model.score(rec('retrying', 'warn', { attempt }), 'retry', [], 'retrying');
    expect(at(2).score).toBeLessThan(0.3);
    expect(at(40).score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });
});

describe('rare values of categorical fields', () => {
  /** Structured lines of one template: an error code of three kinds, a region, a fresh trace id, and the time. */
  function payments(n: number): LineObservation[] {
    const rng = createRng(17);
    const out: LineObservation[] = [];
    for (let i = 0; i < n; i++) {
      out.push({
        record: {
          ...rec('payment declined', 'warn', { amount: 10 + rng.int(90) }),
          categorical: {
            error: ['card_declined', 'insufficient_funds', 'expired_card'][rng.int(3)],
            region: rng.next() < 0.9 ? 'eu-west-1' : 'us-east-1',
            trace_id: `t${i}-${rng.int(1e9)}`,
            created_at: `2026-11-22T06:${String(i % 60).padStart(2, '0')}:00Z`,
            Date: '081109',
            pid: '4242',
          },
        },
        templateId: 'declined',
        params: [],
      });
    }
    return out;
  }
  const model = LineModel.fit(payments(20_000));
  const line = (fields: Record<string, string>, amount = 50) =>
    model.score(
      {
        ...rec('payment declined', 'warn', { amount }),
        categorical: {
          error: 'card_declined',
          region: 'eu-west-1',
          trace_id: 'fresh-trace',
          created_at: '2026-11-23T09:00:00Z',
          Date: '081110',
          pid: '4243',
          ...fields,
        },
      },
      'declined',
      [],
      'payment declined',
    );

  it('flags a field value the template never had, and names the field', () => {
    const s = line({ error: 'fraud_suspected' });
    expect(s.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(s.detectors.map((d) => d.name)).toContain('rare_value');
    expect(s.evidence.rareValue).toMatchObject({ field: 'error', value: 'fraud_suspected', distinct: 3 });
    expect(s.explanation).toBe(
      'error = "fraud_suspected" never seen in 20000 reference lines of "payment declined" (3 distinct values).',
    );
    expect(line({ region: 'ap-south-1' }).evidence.rareValue?.field).toBe('region');
  });

  it('leaves ids, times, dates and process ids alone, and a line whose values were all seen', () => {
    const s = line({});
    expect(s.detectors.map((d) => d.name)).not.toContain('rare_value');
    expect(s.score).toBeLessThan(DEFAULT_THRESHOLD);
    expect(Object.keys(model.toJSON().fields?.declined ?? {}).sort()).toEqual(['error', 'region']);
  });

  it('gives the score kept for the line values of a template only when no field value is new', () => {
    // The same numeric values twice (the second keeps the score), then a new value with them.
    line({}, 42);
    expect(line({}, 42).shared).toBe(true);
    const rare = line({ error: 'fraud_suspected' }, 42);
    expect(rare.evidence.rareValue?.field).toBe('error');
    expect(rare.shared).toBe(false);
  });

  it('counts the values it did not keep as new ones: a field of many common values says little', () => {
    const sample: LineObservation[] = [];
    for (let i = 0; i < 3_000; i++) {
      sample.push({
        record: { ...rec('job done'), categorical: { queue: `q${i % 30}` } },
        templateId: 'done',
        params: [],
      });
    }
    const few = LineModel.fit(sample, { maxValuesPerField: 10 });
    const unseen = few.score({ ...rec('job done'), categorical: { queue: 'q29' } }, 'done', [], 'job done');
    // Two thirds of the reference lines had a value beyond the ten kept: more than MAX_UNSEEN_P, not tracked.
    expect(unseen.detectors.map((d) => d.name)).not.toContain('rare_value');
    expect(few.toJSON().fields?.done).toBeUndefined();
    const all = LineModel.fit(sample);
    expect(
      all.score({ ...rec('job done'), categorical: { queue: 'q30' } }, 'done', [], 'job done').evidence
        .rareValue?.field,
    ).toBe('queue');
  });

  it('counts a value only the line itself had as new when every scored line is in the reference', () => {
    const sample = payments(20_000);
    sample[7].record.categorical.error = 'fraud_suspected';
    const own = LineModel.fit(sample, { ownLines: true });
    const probe = { ...sample[7].record, categorical: { ...sample[7].record.categorical } };
    const s = own.score(probe, 'declined', [], 'payment declined');
    expect(s.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(s.explanation).toBe(
      'error = "fraud_suspected" never seen in any other of the 20000 reference lines of "payment declined" (4 distinct values).',
    );
    // Without ownLines the line's value is in the reference, and seen.
    expect(
      LineModel.fit(sample).score(probe, 'declined', [], 'payment declined').evidence.rareValue,
    ).toBeNull();
    // A parameter value the same.
    const cache = reference(20_000);
    const at = cache.findIndex((o) => o.templateId === 'cache');
    cache[at] = { ...cache[at], params: ['mars'] };
    const param = LineModel.fit(cache, { ownLines: true }).score(
      rec('cache hit'),
      'cache',
      ['mars'],
      'cache hit <*>',
    );
    expect(param.explanation).toMatch(
      /^Value "mars" never seen at parameter 1 of "cache hit <\*>" in any other line/,
    );
  });

  it('round-trips, and a model saved before fields were tracked scores as it did', () => {
    const state = model.toJSON();
    const copy = LineModel.fromJSON(JSON.parse(JSON.stringify(state)));
    const categorical = { error: 'fraud_suspected', region: 'eu-west-1' };
    const probe = { ...rec('payment declined', 'warn', { amount: 50 }), categorical };
    expect(copy.score(probe, 'declined', [], 'payment declined')).toEqual(
      model.score(probe, 'declined', [], 'payment declined'),
    );
    const old = LineModel.fromJSON({ ...structuredClone(state), fields: undefined });
    expect(old.score(probe, 'declined', [], 'payment declined').detectors.map((d) => d.name)).not.toContain(
      'rare_value',
    );
  });
});
