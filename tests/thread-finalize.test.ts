import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyWindow, type WindowStats } from '../engine/src/features/window-stats.js';
import { emptyAggregate, mergeChunkPartials, scoreAggregate } from '../engine/src/pipeline/aggregate.js';
import { ROOT } from './cli-helpers.js';

// The scorer starts its threads from the built engine (a thread runs JavaScript files).
type ThreadScorerModule = typeof import('../engine/src/jobs/thread-scorer.js');
const { ThreadScorer, FINALIZE_BATCH, FINALIZE_BATCH_SESSIONS } = (await import(
  join(ROOT, 'engine', 'dist', 'jobs', 'thread-scorer.js')
)) as ThreadScorerModule;

const MINUTE = 60_000;
const options = { tenant: 't', threshold: 0.5, seed: 1, windowMs: MINUTE, sessions: false, idPrefix: 'j:' };

/** Chunk `c`'s windows: three services over ten minutes, with a flood in one window and a silence in another. */
function partial(c: number): { windows: WindowStats[]; sessions: [] } {
  const windows: WindowStats[] = [];
  for (let m = c * 10; m < c * 10 + 10; m++)
    for (const service of ['api', 'db', 'queue']) {
      const lines = service === 'api' && m === 777 ? 900 : service === 'db' && m === 555 ? 0 : 40 + (m % 7);
      if (lines > 0)
        windows.push({
          ...emptyWindow(service, m * MINUTE),
          lines,
          templates: { t: lines },
          distinctTemplates: 1,
        });
    }
  return { windows, sessions: [] };
}

describe('ThreadScorer.finalize', () => {
  let scorer: InstanceType<typeof ThreadScorer> | null = null;
  afterEach(async () => {
    await scorer?.close();
    scorer = null;
  });

  it('sends a long job’s partials in batches and scores them as one aggregate', async () => {
    scorer = new ThreadScorer(1);
    const partials = Array.from({ length: 3 * FINALIZE_BATCH + 5 }, (_, c) => partial(c));
    const agg = emptyAggregate();
    for (const p of partials) mergeChunkPartials(agg, 'f', p, MINUTE);
    const expected = [...scoreAggregate(agg, options)];
    const final = await scorer.finalize({ source: 'f', batches: [partials], options });
    expect(final.windows).toBe(expected.length);
    expect(final.detections).toEqual(expected.filter((d) => d.severity !== null));
    expect(final.detections.map((d) => d.id)).toEqual(
      expect.arrayContaining(['j:f:window:api:46620000', 'j:f:window:db:33300000']),
    );
    // The thread starts the next job from nothing.
    const again = await scorer.finalize({ source: 'g', batches: [partials.slice(0, 3)], options });
    expect(again.windows).toBe(90);
  });

  it('sends chunks of many sessions a few at a time and scores their sessions as one aggregate', async () => {
    scorer = new ThreadScorer(1);
    // Four chunks, each more than half a batch of sessions; a session of each chunk goes on into the next.
    const perChunk = Math.ceil(FINALIZE_BATCH_SESSIONS * 0.6);
    const partials = Array.from({ length: 4 }, (_, c) => ({
      windows: partial(c).windows,
      sessions: Array.from({ length: perChunk }, (_, i) => {
        const id = i === 0 && c > 0 ? `s${c - 1}:${perChunk - 1}` : `s${c}:${i}`;
        return {
          id,
          service: 'api',
          events: i % 997 === 5 ? ['open', 'boom'] : ['open', i % 2 === 0 ? 'read' : 'write', 'close'],
          first: (c * 10 + (i % 10)) * MINUTE,
          last: (c * 10 + (i % 10)) * MINUTE + 500,
          firstLine: c * perChunk + i + 1,
          samples: [`line ${c}:${i}`],
        };
      }),
    }));
    const withSessions = { ...options, sessions: true };
    const agg = emptyAggregate();
    for (const p of structuredClone(partials)) mergeChunkPartials(agg, 'f', p, MINUTE);
    const expected = [...scoreAggregate(agg, withSessions)];
    // Handed over a chunk at a time, as a job's end reads them from the store.
    async function* oneByOne() {
      for (const p of partials) yield [p];
    }
    const final = await scorer.finalize({ source: 'f', batches: oneByOne(), options: withSessions });
    expect(final.sessions).toBe(4 * perChunk - 3);
    expect(final.detections).toEqual(expected.filter((d) => d.severity !== null));
    expect(final.detections.filter((d) => d.kind === 'session').length).toBeGreaterThan(0);
  });
});
