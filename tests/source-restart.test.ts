import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../engine/src/store/open-store.js';
import type { SourceRunRecord } from '../engine/src/store/source-records.js';
import { type FakeLoki, startFakeLoki } from './fakes/loki-server.js';
import { type LiveSeries, sourceRuns, startLiveSeries, writeSourcesFile } from './support/live-series.js';
import { type EngineProcess, freePort, getJson, startProcess, waitFor } from './support/process.js';
import { findBinary } from './support/prometheus-binary.js';

// kill -9 of the engine while a source runs every second, then a restart on the same data: the pulled ranges
// join without gap or overlap, and every detection is stored and pushed to Loki exactly once.
const missing = findBinary('prometheus') && findBinary('promtool') ? null : 'prometheus';
const KEY = 'acme-key-0123456789abcdef';
const SOURCE = 'checkout';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing !== null)('restart in the middle of a schedule', () => {
  let live: LiveSeries | null = null;
  let loki: FakeLoki | null = null;
  let engine: EngineProcess | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'outlier-restart-'));
  let sources: { file: string; remove(): void } | null = null;

  afterAll(async () => {
    await engine?.stop();
    await live?.stop();
    await loki?.close();
    sources?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no gap and no duplicate in pulled points, stored detections or Loki lines', async () => {
    [live, loki] = await Promise.all([startLiveSeries({ historyMinutes: 10 }), startFakeLoki()]);
    sources = writeSourcesFile([
      {
        id: SOURCE,
        tenant: 'acme',
        kind: 'prometheus',
        url: live.prometheus.url,
        queries: [live.query],
        step: '1s',
        schedule: '* * * * * *',
        lookback: '10m',
        delay: '1s',
        max_range: '1m',
      },
    ]);
    const port = await freePort();
    const env = {
      PORT: String(port),
      OUTLIER_DATA_DIR: dataDir,
      TENANT_API_KEYS: JSON.stringify({ acme: KEY }),
      OUTLIER_SOURCES_FILE: sources.file,
      OUTLIER_LOKI_PUSH_URL: loki.url,
    };
    const base = `http://127.0.0.1:${port}`;
    const scored = async (n: number) =>
      waitFor(
        `${n} scored runs`,
        async () => {
          const runs = (await sourceRuns(base, KEY, SOURCE)).filter((r) => r.status === 'succeeded');
          return runs.length >= n ? runs : undefined;
        },
        30_000,
      );

    engine = await startProcess('serve', env);
    await scored(4);
    // An incident before the crash…
    live.setLevel(2);
    await live.waitForLevel(1.5);
    await waitFor('a detection', async () => {
      const d = await getJson<{ items: unknown[] }>(base, `/api/v1/anomalies?source=${SOURCE}`, KEY);
      return d.items.length > 0 ? d : undefined;
    });
    live.setLevel(0.2);
    await sleep(1300);
    await engine.kill9();
    engine = null;
    // …data keeps arriving while the engine is down…
    await sleep(3000);
    engine = await startProcess('serve', env);
    const before = (await sourceRuns(base, KEY, SOURCE)).length;
    await scored(before + 3);
    await sleep(2000);
    await engine.stop();
    engine = null;

    const runs = await readRuns();
    const ranged = runs.filter((r) => r.status === 'succeeded' && r.range_from !== null);
    const [warm, ...scoredRuns] = ranged;
    expect(warm.detail).toMatch(/warm start/);
    expect(Number(scoredRuns[0].range_from)).toBe(Number(warm.range_to) + 1000);
    for (let i = 1; i < scoredRuns.length; i++)
      expect(Number(scoredRuns[i].range_from), `run ${i}`).toBe(Number(scoredRuns[i - 1].range_to) + 1000);
    // Every point of the covered range scored exactly once.
    const points = scoredRuns.reduce((n, r) => n + r.items, 0);
    const span = (Number(scoredRuns.at(-1)?.range_to) - Number(scoredRuns[0].range_from)) / 1000 + 1;
    expect(points).toBe(span);
    // The crash interrupted a run or fell between two; either way the restart went on from the watermark.
    expect(runs.filter((r) => r.status === 'failed').every((r) => r.error_code === 'interrupted')).toBe(true);

    const detections = runs.reduce((n, r) => n + r.detections, 0);
    expect(detections).toBeGreaterThanOrEqual(1);
    const lines = (loki as FakeLoki).entries('acme').map((e) => (JSON.parse(e.line) as { id: string }).id);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines).toHaveLength(detections);
    expect(runs.every((r) => r.pushed || r.status !== 'succeeded')).toBe(true);
  }, 120_000);

  /** The source's runs, oldest first, read from the stopped engine's store. */
  async function readRuns(): Promise<SourceRunRecord[]> {
    const store = await openStore({ kind: 'sqlite', dataDir });
    try {
      return (await store.sources.listSourceRuns('acme', SOURCE, 10_000)).reverse();
    } finally {
      await store.close();
    }
  }
});
