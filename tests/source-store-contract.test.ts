import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Detection } from '../engine/src/model/detection.js';
import type { SourceRunOutcome } from '../engine/src/store/source-records.js';
import type { Store } from '../engine/src/store/store.js';
import { STORE_FACTORIES, type StoreFixture } from './support/stores.js';

// The source store's contract, on every store (MongoDB when MONGODB_URL is set).
function detection(id: string, tenant: string): Detection {
  return {
    id,
    tenant,
    source: 'lat',
    service: 'latency{instance="a"}',
    timestamp: '2026-11-23T06:00:00.000Z',
    kind: 'point',
    score: 0.97,
    severity: 'critical',
    template_id: null,
    template: null,
    session_id: null,
    observed: 900,
    expected: 100,
    lower: 80,
    upper: 120,
    detectors: [{ name: 'level_shift', score: 0.97 }],
    explanation: 'Far above the expected value.',
    samples: [],
  };
}

const OK: SourceRunOutcome = {
  status: 'succeeded',
  items: 60,
  series: 1,
  error_code: null,
  error_message: null,
  detail: '60 points of 1 series',
  range_from: '1000',
  range_to: '60000',
};

describe.each(STORE_FACTORIES)('source store contract: $name', ({ open }) => {
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

  it('keeps sources per tenant; an update keeps created_at; delete takes state and runs along', async () => {
    const def = { id: 'lat', kind: 'prometheus' };
    const first = await store.sources.upsertSource({
      tenant_id: 'a',
      id: 'lat',
      kind: 'prometheus',
      definition: def,
      origin: 'file',
    });
    await store.sources.upsertSource({
      tenant_id: 'b',
      id: 'lat',
      kind: 'loki',
      definition: {},
      origin: 'api',
    });
    await new Promise((r) => setTimeout(r, 5));
    const again = await store.sources.upsertSource({
      tenant_id: 'a',
      id: 'lat',
      kind: 'prometheus',
      definition: { ...def, step: '1m' },
      origin: 'api',
    });
    expect(again.created_at).toBe(first.created_at);
    expect(again.updated_at).toBeGreaterThan(first.updated_at);
    expect(again).toMatchObject({ origin: 'api', definition: { step: '1m' } });
    expect((await store.sources.listSources('a')).map((s) => s.id)).toEqual(['lat']);
    expect((await store.sources.listSources()).map((s) => `${s.tenant_id}/${s.id}`)).toEqual([
      'a/lat',
      'b/lat',
    ]);
    expect(await store.sources.getSource('b', 'nope')).toBeNull();

    await store.sources.startSourceRun({
      id: 'r1',
      tenant_id: 'a',
      source_id: 'lat',
      reason: 'schedule',
      range_from: null,
      range_to: null,
    });
    await store.sources.finishSourceRun('r1', OK, { watermark: '61000' }, [detection('d1', 'a')]);
    expect(await store.sources.deleteSource('a', 'lat')).toBe(true);
    expect(await store.sources.deleteSource('a', 'lat')).toBe(false);
    expect(await store.sources.getSourceState('a', 'lat')).toBeNull();
    expect(await store.sources.listSourceRuns('a', 'lat', 10)).toEqual([]);
    expect((await store.listDetections('a', {}, { limit: 10 })).items).toHaveLength(1);
    expect(await store.sources.getSource('b', 'lat')).not.toBeNull();
  });

  it('ends a run once with its detections and state; counts only new detections; errors add up', async () => {
    const start = (id: string) =>
      store.sources.startSourceRun({
        id,
        tenant_id: 'a',
        source_id: 'lat',
        reason: 'schedule',
        range_from: null,
        range_to: null,
      });
    await start('r1');
    const fresh = await store.sources.finishSourceRun(
      'r1',
      OK,
      { watermark: '61000', model_version: 1, anomalies_since_fit: 1, last_success_at: 5 },
      [detection('d1', 'a'), detection('d2', 'a')],
    );
    expect(fresh).toBe(2);
    const state = await store.sources.getSourceState('a', 'lat');
    expect(state).toMatchObject({ watermark: '61000', model_version: 1, runs_total: 1, errors_total: 0 });
    const [run] = await store.sources.listSourceRuns('a', 'lat', 10);
    expect(run).toMatchObject({ id: 'r1', status: 'succeeded', items: 60, detections: 2, pushed: false });
    expect(run.range_to).toBe('60000');

    // A repeated range: the same detections are not new, and the run has nothing to push.
    await start('r2');
    expect(await store.sources.finishSourceRun('r2', OK, {}, [detection('d2', 'a')])).toBe(0);
    expect((await store.sources.listSourceRuns('a', 'lat', 10))[0]).toMatchObject({ id: 'r2', pushed: true });

    await start('r3');
    await store.sources.finishSourceRun(
      'r3',
      { ...OK, status: 'failed', items: 0, error_code: 'timeout', error_message: 'slow' },
      { last_error_code: 'timeout', last_error_message: 'slow', add_errors: 1 },
      [],
    );
    await store.sources.patchSourceState('a', 'lat', { shadow: '{"version":2}', add_errors: 1 });
    expect(await store.sources.getSourceState('a', 'lat')).toMatchObject({
      watermark: '61000',
      last_error_code: 'timeout',
      shadow: '{"version":2}',
      errors_total: 2,
      runs_total: 3,
    });
    expect((await store.sources.listSourceRuns('a', 'lat', 2)).map((r) => r.id)).toEqual(['r3', 'r2']);
  });

  it('lists succeeded runs not yet pushed, oldest first, and fails runs a crash left running', async () => {
    for (const id of ['r1', 'r2', 'r3']) {
      await store.sources.startSourceRun({
        id,
        tenant_id: 'a',
        source_id: 'lat',
        reason: 'schedule',
        range_from: null,
        range_to: null,
      });
      if (id !== 'r3') await store.sources.finishSourceRun(id, OK, {}, [detection(`d-${id}`, 'a')]);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await store.sources.listUnpushedRuns(10)).map((r) => r.id)).toEqual(['r1', 'r2']);
    await store.sources.markRunPushed('r1');
    expect((await store.sources.listUnpushedRuns(10)).map((r) => r.id)).toEqual(['r2']);
    expect(await store.sources.failStaleRuns(Date.now() + 1)).toBe(1);
    const [r3] = await store.sources.listSourceRuns('a', 'lat', 1);
    expect(r3).toMatchObject({ id: 'r3', status: 'failed', error_code: 'interrupted' });
    expect(await store.sources.failStaleRuns(Date.now() + 1)).toBe(0);
  });
});
