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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(STORE_FACTORIES)('source store contract: $name', ({ open }) => {
  let fx: StoreFixture;
  let store: Store;
  const start = (id: string, tenant = 'a') =>
    store.sources.startSourceRun({
      id,
      tenant_id: tenant,
      source_id: 'lat',
      reason: 'schedule',
      range_from: null,
      range_to: null,
    });
  const stored = async (tenant: string) =>
    (await store.listDetections(tenant, {}, { limit: 100 })).items.map((s) => s.detection.id).sort();

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
    // Header names may hold characters a document store refuses in field names: the definition comes back whole.
    const def = {
      id: 'lat',
      kind: 'prometheus',
      headers: { 'X-Scope.OrgID': '7', $auth: 'k' },
      queries: ['up'],
    };
    const first = await store.sources.upsertSource({
      tenant_id: 'a',
      id: 'lat',
      kind: 'prometheus',
      definition: def,
      origin: 'file',
    });
    expect(first).toEqual({
      tenant_id: 'a',
      id: 'lat',
      kind: 'prometheus',
      definition: def,
      origin: 'file',
      created_at: expect.any(Number),
      updated_at: first.created_at,
    });
    expect(await store.sources.getSource('a', 'lat')).toEqual(first);
    await store.sources.upsertSource({
      tenant_id: 'b',
      id: 'lat',
      kind: 'loki',
      definition: {},
      origin: 'api',
    });
    await sleep(5);
    const again = await store.sources.upsertSource({
      tenant_id: 'a',
      id: 'lat',
      kind: 'prometheus',
      definition: { ...def, step: '1m' },
      origin: 'api',
    });
    expect(again.created_at).toBe(first.created_at);
    expect(again.updated_at).toBeGreaterThan(first.updated_at);
    expect(again).toMatchObject({ origin: 'api', definition: { ...def, step: '1m' } });
    expect(await store.sources.getSource('b', 'lat')).toMatchObject({
      kind: 'loki',
      origin: 'api',
      definition: {},
    });
    expect((await store.sources.listSources('a')).map((s) => s.id)).toEqual(['lat']);
    expect((await store.sources.listSources()).map((s) => `${s.tenant_id}/${s.id}`)).toEqual([
      'a/lat',
      'b/lat',
    ]);
    expect(await store.sources.getSource('b', 'nope')).toBeNull();

    await start('r1');
    await store.sources.finishSourceRun('r1', OK, { watermark: '61000' }, [detection('d1', 'a')]);
    await start('rb', 'b');
    await store.sources.finishSourceRun('rb', OK, { watermark: '5' }, []);
    expect(await store.sources.deleteSource('a', 'lat')).toBe(true);
    expect(await store.sources.deleteSource('a', 'lat')).toBe(false);
    expect(await store.sources.getSource('a', 'lat')).toBeNull();
    expect(await store.sources.getSourceState('a', 'lat')).toBeNull();
    expect(await store.sources.listSourceRuns('a', 'lat', 10)).toEqual([]);
    expect(await stored('a')).toEqual(['d1']);
    expect(await store.sources.getSource('b', 'lat')).not.toBeNull();
    expect(await store.sources.getSourceState('b', 'lat')).toMatchObject({ watermark: '5', runs_total: 1 });
    expect((await store.sources.listSourceRuns('b', 'lat', 10)).map((r) => r.id)).toEqual(['rb']);
  });

  it('creates a state on its first patch and changes only the fields a patch names', async () => {
    expect(await store.sources.getSourceState('a', 'lat')).toBeNull();
    await store.sources.patchSourceState('a', 'lat', { shadow: '{"version":2}', add_errors: 2 });
    expect(await store.sources.getSourceState('a', 'lat')).toEqual({
      tenant_id: 'a',
      source_id: 'lat',
      watermark: null,
      model_version: null,
      online: null,
      shadow: '{"version":2}',
      fitted_at: null,
      anomalies_since_fit: 0,
      last_run_at: null,
      last_success_at: null,
      last_error_code: null,
      last_error_message: null,
      errors_total: 2,
      runs_total: 0,
      updated_at: expect.any(Number),
    });
    await store.sources.patchSourceState('a', 'lat', {
      shadow: null,
      model_version: 3,
      watermark: undefined,
    });
    expect(await store.sources.getSourceState('a', 'lat')).toMatchObject({
      shadow: null,
      model_version: 3,
      watermark: null,
      errors_total: 2,
      runs_total: 0,
    });
    expect(await store.sources.getSourceState('b', 'lat')).toBeNull();
  });

  it('ends a run once with its detections and state; counts only new detections; errors add up', async () => {
    await start('r1');
    expect(await store.sources.listSourceRuns('a', 'lat', 10)).toEqual([
      {
        id: 'r1',
        tenant_id: 'a',
        source_id: 'lat',
        reason: 'schedule',
        status: 'running',
        range_from: null,
        range_to: null,
        started_at: expect.any(Number),
        finished_at: null,
        items: 0,
        series: 0,
        detections: 0,
        pushed: false,
        error_code: null,
        error_message: null,
        detail: null,
      },
    ]);
    await expect(start('r1')).rejects.toThrow();
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
    expect(run.finished_at).toEqual(expect.any(Number));
    expect((await store.listDetections('a', { jobId: 'r1' }, { limit: 10 })).items).toHaveLength(2);

    // A repeated range: the same detections are not new, and the run has nothing to push.
    await start('r2');
    expect(
      await store.sources.finishSourceRun('r2', OK, {}, [detection('d2', 'a'), detection('d3', 'a')]),
    ).toBe(1);
    expect((await store.sources.listSourceRuns('a', 'lat', 10))[0]).toMatchObject({
      id: 'r2',
      detections: 1,
    });
    await start('r3');
    expect(await store.sources.finishSourceRun('r3', OK, {}, [detection('d2', 'a')])).toBe(0);
    expect((await store.sources.listSourceRuns('a', 'lat', 10))[0]).toMatchObject({ id: 'r3', pushed: true });

    await start('r4');
    await store.sources.finishSourceRun(
      'r4',
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
      runs_total: 4,
    });
    expect((await store.sources.listSourceRuns('a', 'lat', 2)).map((r) => r.id)).toEqual(['r4', 'r3']);
    expect(await stored('a')).toEqual(['d1', 'd2', 'd3']);
    await expect(store.sources.finishSourceRun('nope', OK, {}, [])).rejects.toThrow(/nope/);
  });

  it('ignores a second end of the same run: nothing is counted, stored or changed twice', async () => {
    await start('r1');
    const patch = { watermark: '61000', add_errors: 1, last_error_code: 'series_limit' };
    expect(await store.sources.finishSourceRun('r1', OK, patch, [detection('d1', 'a')])).toBe(1);
    const state = await store.sources.getSourceState('a', 'lat');
    const [run] = await store.sources.listSourceRuns('a', 'lat', 1);

    const failed: SourceRunOutcome = { ...OK, status: 'failed', items: 0, error_code: 'bad_response' };
    expect(
      await store.sources.finishSourceRun('r1', failed, { watermark: '99', add_errors: 1 }, [
        detection('d2', 'a'),
      ]),
    ).toBe(0);
    expect(await store.sources.getSourceState('a', 'lat')).toEqual(state);
    expect(await store.sources.listSourceRuns('a', 'lat', 10)).toEqual([run]);
    expect(run).toMatchObject({ status: 'succeeded', detections: 1, pushed: false });
    expect(await stored('a')).toEqual(['d1']);
    expect((await store.sources.listUnpushedRuns(10)).map((r) => r.id)).toEqual(['r1']);

    // A run failed as interrupted is repeated by the next one; ending it late changes nothing either.
    await start('r2');
    expect(await store.sources.failStaleRuns(Date.now() + 1)).toBe(1);
    expect(await store.sources.finishSourceRun('r2', OK, { watermark: '99' }, [detection('d2', 'a')])).toBe(
      0,
    );
    expect(await store.sources.getSourceState('a', 'lat')).toEqual(state);
    expect((await store.sources.listSourceRuns('a', 'lat', 1))[0]).toMatchObject({
      id: 'r2',
      status: 'failed',
    });
    expect(await stored('a')).toEqual(['d1']);
  });

  it('lists succeeded runs not yet pushed, oldest first, and fails runs a crash left running', async () => {
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r5']) {
      await start(id);
      if (id === 'r4') await store.sources.finishSourceRun(id, { ...OK, status: 'skipped' }, {}, []);
      else if (id === 'r5')
        await store.sources.finishSourceRun(id, { ...OK, status: 'failed' }, {}, [detection('d-r5', 'a')]);
      else if (id !== 'r3') await store.sources.finishSourceRun(id, OK, {}, [detection(`d-${id}`, 'a')]);
      await sleep(5);
    }
    expect((await store.sources.listUnpushedRuns(10)).map((r) => r.id)).toEqual(['r1', 'r2']);
    expect((await store.sources.listUnpushedRuns(1)).map((r) => r.id)).toEqual(['r1']);
    await store.sources.markRunPushed('r1');
    expect((await store.sources.listUnpushedRuns(10)).map((r) => r.id)).toEqual(['r2']);
    expect((await store.sources.listSourceRuns('a', 'lat', 10)).find((r) => r.id === 'r1')?.pushed).toBe(
      true,
    );

    expect(await store.sources.failStaleRuns(0)).toBe(0);
    expect(await store.sources.failStaleRuns(Date.now() + 1)).toBe(1);
    const runs = await store.sources.listSourceRuns('a', 'lat', 10);
    expect(runs.map((r) => r.id)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    expect(runs[2]).toMatchObject({
      id: 'r3',
      status: 'failed',
      error_code: 'interrupted',
      finished_at: expect.any(Number),
    });
    expect(await store.sources.failStaleRuns(Date.now() + 1)).toBe(0);
    expect((await store.sources.listUnpushedRuns(10)).map((r) => r.id)).toEqual(['r2']);
  });
});
