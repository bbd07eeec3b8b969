import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Detection } from '../engine/src/model/detection.js';
import type { JobOptions, Store } from '../engine/src/store/store.js';
import { STORE_FACTORIES, type StoreFixture } from './support/stores.js';

const OPTIONS: JobOptions = {
  format: 'auto',
  log_format: null,
  session_key: null,
  service: null,
  threshold: 0.5,
  retrain: false,
};

function detection(id: string, tenant: string, over: Partial<Detection> = {}): Detection {
  return {
    id,
    tenant,
    source: 'app.log',
    service: 'api',
    timestamp: '2026-01-01T00:00:00.000Z',
    kind: 'line',
    score: 0.9,
    severity: 'high',
    template_id: 't1',
    template: 'GET <*> failed',
    session_id: null,
    observed: null,
    expected: null,
    lower: null,
    upper: null,
    detectors: [{ name: 'template_rarity', score: 0.9 }],
    explanation: 'A rare template.',
    samples: ['GET /x failed'],
    ...over,
  };
}

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
    await store.updateJob('j', { status: 'cancelled' });
    expect(await store.recordChunk('j', 1, outcome, [detection('j:3', 'a')])).toBe(false);
    expect((await store.getJob('j'))?.lines_processed).toBe(10);
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
