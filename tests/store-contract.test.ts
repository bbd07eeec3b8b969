import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Detection } from '../engine/src/model/detection.js';
import { DETECTION_SORTS, type DetectionSort } from '../engine/src/store/detection-sort.js';
import { migrate } from '../engine/src/store/sql/migrations.js';
import { PostgresDb } from '../engine/src/store/sql/postgres-db.js';
import { SqlStore } from '../engine/src/store/sql-store.js';
import type { DetectionFilter, JobOptions, Store } from '../engine/src/store/store.js';
import { lineDetection } from './support/detections.js';
import { POSTGRES_URL, STORE_FACTORIES, type StoreFixture, uniqueName } from './support/stores.js';

const OPTIONS: JobOptions = {
  format: 'auto',
  log_format: null,
  session_key: null,
  service: null,
  threshold: 0.5,
  retrain: false,
};

const detection = lineDetection;

describe.each(STORE_FACTORIES)('store contract: $name', ({ open }) => {
  let fx: StoreFixture;
  let store: Store;
  beforeEach(async () => {
    fx = await open();
    store = fx.store;
    await store.createTenant('a');
    await store.createTenant('b');
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it('creates tenants once and finds keys by hash until revoked', async () => {
    expect(await store.createTenant('a')).toBe(false);
    expect((await store.listTenants()).map((t) => t.id)).toEqual(['a', 'b']);
    await store.addApiKey({ id: 'k1', tenant_id: 'a', key_hash: 'h1', prefix: 'olk_abcd' });
    const key = await store.findApiKey('h1');
    expect(key).toMatchObject({ id: 'k1', tenant_id: 'a', key_hash: 'h1', revoked_at: null });
    expect(await store.findApiKey('nope')).toBeNull();
    expect(await store.revokeApiKey('k1')).toBe(true);
    expect(await store.revokeApiKey('k1')).toBe(false);
    expect((await store.findApiKey('h1'))?.revoked_at).toEqual(expect.any(Number));
    expect(await store.listApiKeys('a')).toHaveLength(1);
    expect(await store.listApiKeys('b')).toHaveLength(0);
  });

  it('keeps jobs per tenant, pages them and updates them conditionally', async () => {
    for (let i = 0; i < 5; i++)
      await store.createJob({
        id: `j${i}`,
        tenant_id: 'a',
        status: 'uploading',
        source: 's',
        options: OPTIONS,
        declared_size: 10,
      });
    await store.createJob({
      id: 'jb',
      tenant_id: 'b',
      status: 'uploading',
      source: 's',
      options: OPTIONS,
      declared_size: null,
    });
    expect(await store.getJob('jb', 'a')).toBeNull();
    expect((await store.getJob('jb', 'b'))?.options).toEqual(OPTIONS);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listJobs('a', { cursor, limit: 2 });
      seen.push(...page.items.map((j) => j.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual(['j0', 'j1', 'j2', 'j3', 'j4']);
    expect(await store.updateJob('j0', { status: 'cancelled', finished_at: 1 }, ['processing'])).toBe(false);
    expect(await store.updateJob('j0', { status: 'cancelled', upload_complete: true }, ['uploading'])).toBe(
      true,
    );
    expect(await store.getJob('j0')).toMatchObject({ status: 'cancelled', upload_complete: true });
    expect((await store.listUnfinishedJobs()).map((j) => j.id)).not.toContain('j0');
    expect(await store.countJobs()).toEqual({ uploading: 5, cancelled: 1 });
    expect(await store.claimStep('j1', 'train_state')).toBe(true);
    expect(await store.claimStep('j1', 'train_state')).toBe(false);
    await store.updateJob('j1', { summary: { format: 'json' } });
    expect((await store.getJob('j1'))?.summary).toEqual({ format: 'json' });
  });

  it('stores chunks only at the current offset and counts their newlines', async () => {
    await store.createJob({
      id: 'j',
      tenant_id: 'a',
      status: 'uploading',
      source: 's',
      options: OPTIONS,
      declared_size: 7,
    });
    const data = new TextEncoder().encode('ab\ncd\n');
    const after = await store.addChunk('j', { byte_offset: 0, length: 6, sha256: 'x', newlines: 2 }, data);
    expect(after).toMatchObject({ bytes_received: 6, chunks_received: 1, newlines_received: 2 });
    expect(
      await store.addChunk('j', { byte_offset: 0, length: 6, sha256: 'x', newlines: 2 }, data),
    ).toBeNull();
    await store.addChunk('j', { byte_offset: 6, length: 1, sha256: 'y', newlines: 0 }, new Uint8Array([101]));
    const chunks = await store.listChunks('j');
    expect(chunks.map((c) => [c.idx, c.byte_offset, c.newlines_before])).toEqual([
      [0, 0, 0],
      [1, 6, 2],
    ]);
    if (store.holdsChunkData)
      expect(Buffer.from((await store.readChunkData('j', 0)) ?? [])).toEqual(Buffer.from(data));
    expect(await store.markChunkEnqueued('j', 0)).toBe(true);
    expect(await store.markChunkEnqueued('j', 0)).toBe(false);
    await store.resetEnqueued('j');
    expect(await store.markChunkEnqueued('j', 0)).toBe(true);
    await store.deleteChunkData('j');
    expect(await store.readChunkData('j', 0)).toBeNull();
  });

  it('records a chunk once, with its detections, and never counts it twice', async () => {
    await store.createJob({
      id: 'j',
      tenant_id: 'a',
      status: 'processing',
      source: 's',
      options: OPTIONS,
      declared_size: null,
    });
    const outcome = { lines: 10, bytes: 100, partial: { windows: [], sessions: [] } };
    const dets = [detection('j:1', 'a'), detection('j:2', 'a', { severity: 'critical' })];
    expect(await store.recordChunk('j', 0, outcome, dets)).toBe(true);
    expect(await store.recordChunk('j', 0, outcome, dets)).toBe(false);
    expect(await store.getJob('j')).toMatchObject({
      lines_processed: 10,
      chunks_processed: 1,
      anomalies_found: 2,
    });
    expect(await store.listChunkOutcomes('j')).toEqual([{ idx: 0, ...outcome }]);
    expect(await store.insertDetections('j', dets)).toBe(0);
    // A page at a time, in chunk order whatever order they were recorded in.
    const more = (lines: number) => ({ ...outcome, lines });
    expect(await store.recordChunk('j', 2, more(12), [])).toBe(true);
    expect(await store.recordChunk('j', 1, more(11), [])).toBe(true);
    const page = async (after: number, limit?: number) =>
      (await store.listChunkOutcomes('j', { after, limit })).map((o) => [o.idx, o.lines]);
    expect(await page(-1)).toEqual([
      [0, 10],
      [1, 11],
      [2, 12],
    ]);
    expect(await page(0, 1)).toEqual([[1, 11]]);
    expect(await page(1, 5)).toEqual([[2, 12]]);
    expect(await page(2, 5)).toEqual([]);
    await store.updateJob('j', { status: 'cancelled' });
    expect(await store.recordChunk('j', 1, outcome, [detection('j:3', 'a')])).toBe(false);
    expect((await store.getJob('j'))?.lines_processed).toBe(33);
  });

  it('filters and pages detections per tenant', async () => {
    const dets: Detection[] = [];
    for (let i = 0; i < 7; i++)
      dets.push(
        detection(`d${i}`, 'a', {
          timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          service: i % 2 ? 'db' : 'api',
          severity: i === 3 ? 'critical' : 'low',
          explanation: i === 5 ? 'Connection 100% REFUSED' : 'rare',
        }),
      );
    expect(await store.insertDetections(null, dets)).toBe(7);
    await store.insertDetections(null, [detection('x', 'b')]);
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listDetections('a', {}, { cursor, limit: 3 });
      all.push(...page.items.map((d) => d.detection.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(all).toEqual(['d6', 'd5', 'd4', 'd3', 'd2', 'd1', 'd0']);
    const q = (f: Parameters<Store['listDetections']>[1]) =>
      store.listDetections('a', f, { limit: 50 }).then((p) => p.items.map((d) => d.detection.id));
    expect(await q({ service: 'db' })).toEqual(['d5', 'd3', 'd1']);
    expect(await q({ severities: ['critical'] })).toEqual(['d3']);
    expect(await q({ text: '100% refused' })).toEqual(['d5']);
    expect(await q({ text: '_' })).toEqual([]);
    expect(await q({ from: Date.UTC(2026, 0, 1, 0, 2), to: Date.UTC(2026, 0, 1, 0, 4) })).toEqual([
      'd3',
      'd2',
    ]);
    expect(await store.getDetection('b', 'd1')).toBeNull();
    await store.setLlmExplanation('d1', { text: 'x' });
    expect((await store.getDetection('a', 'd1'))?.llm).toEqual({ text: 'x' });
    await expect(store.listDetections('a', {}, { cursor: 'garbage', limit: 2 })).rejects.toThrow(/cursor/);
  });

  it('appends job events with increasing ids', async () => {
    await store.createJob({
      id: 'j',
      tenant_id: 'a',
      status: 'processing',
      source: 's',
      options: OPTIONS,
      declared_size: null,
    });
    const a = await store.appendJobEvent('j', 'started', { n: 1 });
    const b = await store.appendJobEvent('j', 'progress', { n: 2 });
    expect(b).toBeGreaterThan(a);
    expect((await store.listJobEvents('j', 0, 10)).map((e) => e.type)).toEqual(['started', 'progress']);
    expect((await store.listJobEvents('j', a, 10)).map((e) => e.data)).toEqual([{ n: 2 }]);
  });

  it('keeps feedback: the newest verdict on a pattern wins', async () => {
    const base = { tenant_id: 'a', detection_id: 'd', kind: 'line', note: null };
    await store.addFeedback({ ...base, id: 'f1', verdict: 'not_anomaly', pattern: 'p1', created_at: 1 });
    await store.addFeedback({ ...base, id: 'f2', verdict: 'not_anomaly', pattern: 'p2', created_at: 2 });
    await store.addFeedback({ ...base, id: 'f3', verdict: 'confirmed', pattern: 'p2', created_at: 3 });
    expect(await store.listSuppressions('a')).toEqual(['p1']);
    expect(await store.listSuppressions('b')).toEqual([]);
  });

  it('versions models per tenant and source', async () => {
    expect(await store.getModel('a', 's')).toBeNull();
    expect(await store.saveModel('a', 's', '{"v":1}')).toBe(1);
    expect(await store.saveModel('a', 's', '{"v":2}')).toBe(2);
    expect(await store.saveModel('b', 's', '{"v":1}')).toBe(1);
    expect(await store.getModel('a', 's')).toEqual({ version: 2, state: '{"v":2}' });
    expect(await store.getModel('a', 's', 1)).toEqual({ version: 1, state: '{"v":1}' });
  });
});

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const SCORES = [0.55, 0.7, 0.7, 0.9, 0.97] as const;
const SEVERITY_OF = ['low', 'medium', 'medium', 'high', 'critical'] as const;
const SERVICES = ['api', 'db', null] as const;

/** 40 detections of tenant `a` with tied scores and times, in two jobs; one has no timestamp. */
function explorerSet(): { job: string; detection: Detection }[] {
  const out: { job: string; detection: Detection }[] = [];
  for (let i = 0; i < 40; i++)
    out.push({
      job: i % 2 ? 'j1' : 'j2',
      detection: detection(`d${String(i).padStart(3, '0')}`, 'a', {
        timestamp: i === 39 ? null : new Date(T0 + (i % 8) * MINUTE).toISOString(),
        score: SCORES[i % 5],
        severity: SEVERITY_OF[i % 5],
        service: SERVICES[i % 3],
        source: i % 4 === 1 ? 'other.log' : 'app.log',
        kind: i % 4 === 0 ? 'window' : 'line',
        explanation: i % 6 === 0 ? 'upstream timeout' : 'rare',
      }),
    });
  return out;
}

/** What `filter` selects in `sort`'s order, computed here from the inserted detections. */
function expectedOrder(
  all: readonly Detection[],
  f: DetectionFilter,
  sort: DetectionSort,
  jobOf: Map<string, string>,
) {
  const ts = (d: Detection) => (d.timestamp === null ? 0 : Date.parse(d.timestamp));
  const picked = all.filter(
    (d) =>
      (f.from === undefined || ts(d) >= f.from) &&
      (f.to === undefined || ts(d) < f.to) &&
      (f.service === undefined || d.service === f.service) &&
      (f.source === undefined || d.source === f.source) &&
      (f.jobId === undefined || jobOf.get(d.id) === f.jobId) &&
      (f.kind === undefined || d.kind === f.kind) &&
      (!f.severities || (d.severity !== null && f.severities.includes(d.severity))) &&
      (!f.text || d.explanation.includes(f.text)),
  );
  const key = sort.startsWith('time') ? ts : (d: Detection) => d.score;
  const sign = sort.endsWith('_desc') ? -1 : 1;
  return picked
    .sort((x, y) => sign * (key(x) - key(y) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)))
    .map((d) => d.id);
}

describe.each(STORE_FACTORIES)('store contract, explorer queries: $name', ({ open }) => {
  let fx: StoreFixture;
  let store: Store;
  const set = explorerSet();
  beforeEach(async () => {
    fx = await open();
    store = fx.store;
    await store.createTenant('a');
    await store.createTenant('b');
    for (const job of ['j1', 'j2'])
      await store.insertDetections(
        job,
        set.filter((x) => x.job === job).map((x) => x.detection),
      );
    // Another tenant's detections with the same scores and times, never listed or counted for `a`.
    await store.insertDetections(
      'jb',
      [0, 1, 2, 3, 4].map((i) =>
        detection(`b${i}`, 'b', {
          score: SCORES[i],
          severity: SEVERITY_OF[i],
          service: 'payments',
          timestamp: new Date(T0 + i * MINUTE).toISOString(),
          observed: 5,
          expected: 1,
          lower: 0,
          upper: 2,
        }),
      ),
    );
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it('pages every sort exactly, ties broken by id, under any filter combination', async () => {
    const all = set.map((x) => x.detection);
    const jobOf = new Map(set.map((x) => [x.detection.id, x.job]));
    const filters: DetectionFilter[] = [
      {},
      { service: 'db' },
      { severities: ['high', 'critical'] },
      { severities: ['medium'], service: 'api' },
      { jobId: 'j1', kind: 'line' },
      { source: 'other.log' },
      { from: T0 + 2 * MINUTE, to: T0 + 6 * MINUTE, severities: ['medium', 'critical'] },
      { text: 'timeout', jobId: 'j2' },
    ];
    for (const sort of DETECTION_SORTS)
      for (const filter of filters)
        for (const limit of [3, 7]) {
          const got: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.listDetections('a', filter, { cursor, limit, sort });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            got.push(...page.items.map((d) => d.detection.id));
            cursor = page.next_cursor ?? undefined;
          } while (cursor);
          expect(got, `${sort} ${JSON.stringify(filter)} by ${limit}`).toEqual(
            expectedOrder(all, filter, sort, jobOf),
          );
        }
    const first = await store.listDetections('a', {}, { limit: 5, sort: 'score_desc' });
    expect(first.items.map((d) => d.detection.score)).toEqual([0.97, 0.97, 0.97, 0.97, 0.97]);
    expect(first.items[0]).toMatchObject({ job_id: 'j1', detection: { id: 'd039' } });
  });

  it('keeps the default order newest first, and refuses a cursor made for another sort', async () => {
    const byDefault = await store.listDetections('a', {}, { limit: 4 });
    const byTime = await store.listDetections('a', {}, { limit: 4, sort: 'time_desc' });
    expect(byDefault).toEqual(byTime);
    const cursor = byTime.next_cursor ?? '';
    expect(cursor).not.toBe('');
    await expect(store.listDetections('a', {}, { cursor, limit: 4, sort: 'score_desc' })).rejects.toThrow(
      /cursor/,
    );
    await expect(store.listDetections('a', {}, { cursor, limit: 4, sort: 'time_asc' })).rejects.toThrow(
      /time_desc/,
    );
    expect(await store.listDetections('b', { service: 'api' }, { limit: 50, sort: 'score_asc' })).toEqual({
      items: [],
      next_cursor: null,
    });
  });

  it('counts detections in time buckets with severities, the top score and the band of the top banded one', async () => {
    await store.insertDetections(null, [
      detection('w1', 'a', {
        kind: 'window',
        timestamp: new Date(T0 + 9 * MINUTE + 1_000).toISOString(),
        score: 0.8,
        severity: 'medium',
        observed: 300,
        expected: 100,
        lower: 80,
        upper: 120,
      }),
      detection('w2', 'a', {
        kind: 'window',
        timestamp: new Date(T0 + 9 * MINUTE + 2_000).toISOString(),
        score: 0.93,
        severity: 'high',
        observed: 4,
        expected: 50,
        lower: 40,
        upper: null,
      }),
      detection('w3', 'a', {
        timestamp: new Date(T0 + 9 * MINUTE + 3_000).toISOString(),
        score: 0.99,
        severity: 'critical',
      }),
    ]);
    const h = await store.detectionHistogram('a', { from: T0, to: T0 + 12 * MINUTE }, 12);
    expect(h).toMatchObject({ from: T0, to: T0 + 12 * MINUTE, step_ms: MINUTE });
    expect(h.buckets.map((b) => b.t)).toEqual(Array.from({ length: 12 }, (_, i) => T0 + i * MINUTE));
    // Minute k holds the 5 of the 39 timed detections with i % 8 === k (4 in minute 7: i = 39 has no time).
    expect(h.buckets.map((b) => b.count)).toEqual([5, 5, 5, 5, 5, 5, 5, 4, 0, 3, 0, 0]);
    const m0 = h.buckets[0]; // i = 0, 8, 16, 24, 32: scores 0.55, 0.9, 0.7, 0.97, 0.7
    expect(m0.severity).toEqual({ low: 1, medium: 2, high: 1, critical: 1 });
    expect(m0.max_score).toBe(0.97);
    expect(m0).toMatchObject({ observed: null, expected: null, lower: null, upper: null });
    const m9 = h.buckets[9];
    expect(m9).toMatchObject({
      count: 3,
      max_score: 0.99,
      observed: 4,
      expected: 50,
      lower: 40,
      upper: null,
    });
    expect(m9.severity).toEqual({ low: 0, medium: 1, high: 1, critical: 1 });
    expect(h.buckets[8]).toEqual({
      t: T0 + 8 * MINUTE,
      count: 0,
      max_score: null,
      severity: { low: 0, medium: 0, high: 0, critical: 0 },
      observed: null,
      expected: null,
      lower: null,
      upper: null,
    });

    const filtered = await store.detectionHistogram(
      'a',
      { from: T0, to: T0 + 12 * MINUTE, severities: ['medium'], kind: 'window' },
      12,
    );
    expect(filtered.buckets[9]).toMatchObject({ count: 1, max_score: 0.8, observed: 300, expected: 100 });

    // Without from/to: the filtered detections' own range, the one without a timestamp left out.
    const own = await store.detectionHistogram('a', { service: 'db' }, 10);
    const dbTimes = set
      .filter((x) => x.detection.service === 'db' && x.detection.timestamp !== null)
      .map((x) => Date.parse(x.detection.timestamp ?? ''));
    expect(own.from).toBe(Math.min(...dbTimes));
    expect(own.to).toBe(Math.max(...dbTimes) + 1);
    expect(own.buckets.length).toBeLessThanOrEqual(10);
    expect(own.buckets.reduce((n, b) => n + b.count, 0)).toBe(dbTimes.length);

    const other = await store.detectionHistogram('b', { service: 'db' }, 10);
    expect(other.buckets.every((b) => b.count === 0)).toBe(true);
    const theirs = await store.detectionHistogram('b', { from: T0, to: T0 + 5 * MINUTE }, 10);
    expect(theirs.buckets.reduce((n, b) => n + b.count, 0)).toBe(5);
    expect(theirs.buckets.find((b) => b.count > 0)).toMatchObject({
      observed: 5,
      expected: 1,
      lower: 0,
      upper: 2,
    });
  });

  it('lists facets of the range, sorted and per tenant', async () => {
    expect(await store.detectionFacets('a', {})).toEqual({
      services: ['api', 'db'],
      sources: ['app.log', 'other.log'],
      jobs: [
        { id: 'j1', source: 'app.log' },
        { id: 'j2', source: 'app.log' },
      ],
    });
    // Minute 1 holds i = 1, 9, 17, 25, 33: all in j1 and from other.log, services db, null, api, db, null.
    expect(await store.detectionFacets('a', { from: T0 + MINUTE, to: T0 + 2 * MINUTE })).toEqual({
      services: ['api', 'db'],
      sources: ['other.log'],
      jobs: [{ id: 'j1', source: 'other.log' }],
    });
    expect(await store.detectionFacets('b', {})).toEqual({
      services: ['payments'],
      sources: ['app.log'],
      jobs: [{ id: 'jb', source: 'app.log' }],
    });
    expect(await store.detectionFacets('a', { from: T0 + 60 * MINUTE })).toEqual({
      services: [],
      sources: [],
      jobs: [],
    });
  });

  it('inserts detections in bulk once each, duplicates in and across batches included', async () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      detection(`bulk${String(i).padStart(4, '0')}`, 'a', { score: 0.5 + (i % 50) / 100 }),
    );
    expect(await store.insertDetections('bulk', [...many.slice(0, 150), many[3], many[120]])).toBe(150);
    expect(await store.insertDetections('bulk', many)).toBe(100);
    const page = await store.listDetections('a', { jobId: 'bulk' }, { limit: 500, sort: 'score_asc' });
    expect(page.items).toHaveLength(250);
    expect(page.items[0].detection).toEqual(many[0]);
  });
});

describe('PostgreSQL schema upgrade', () => {
  it('upgrades a database of schema 2 in place: band columns filled from the stored detections', async () => {
    const schema = uniqueName('up');
    const db = new PostgresDb({ url: POSTGRES_URL, schema });
    try {
      expect(await migrate(db, { version: 2 })).toBe(2);
      const bodies = [
        detection('w', 'acme', { kind: 'window', observed: 300.5, expected: 100, lower: 80, upper: 120 }),
        detection('l', 'acme'),
      ];
      for (const d of bodies)
        await db.run(
          `INSERT INTO detections (id, tenant_id, job_id, kind, severity, score, ts, source, service, template_id,
           search, body, llm, created_at) VALUES (?, 'acme', NULL, ?, 'high', 0.9, 5, 's', 'api', NULL, '', ?, NULL, 1)`,
          [d.id, d.kind, JSON.stringify(d)],
        );
      expect(await migrate(db)).toBe(3);
      expect(
        await db.all('SELECT id, observed, expected, lower_bound, upper_bound FROM detections ORDER BY id'),
      ).toEqual([
        { id: 'l', observed: null, expected: null, lower_bound: null, upper_bound: null },
        { id: 'w', observed: 300.5, expected: 100, lower_bound: 80, upper_bound: 120 },
      ]);
      const page = await new SqlStore(db).listDetections('acme', {}, { limit: 5, sort: 'score_desc' });
      expect(page.items.map((d) => d.detection.id)).toEqual(['w', 'l']);
    } finally {
      await db.dropSchema(schema);
      await db.close();
    }
  });
});
