import { describe, expect, it } from 'vitest';
import type { SessionStats } from '../features/session-stats.js';
import { batchEnd, FINALIZE_BATCH, FINALIZE_BATCH_SESSIONS } from './thread-scorer.js';

const chunk = (sessions: number) => ({
  windows: [],
  sessions: new Array<SessionStats>(sessions).fill({
    id: 's',
    service: null,
    events: [],
    first: null,
    last: null,
    firstLine: 1,
    samples: [],
  }),
});

/** The batches a job's end sends: their sizes in chunks. */
function batches(partials: ReturnType<typeof chunk>[]): number[] {
  const sizes: number[] = [];
  for (let at = 0; at < partials.length; ) {
    const end = batchEnd(partials, at);
    sizes.push(end - at);
    at = end;
  }
  return sizes;
}

describe('batchEnd', () => {
  it('sends at most FINALIZE_BATCH chunks at a time', () => {
    expect(batches(Array.from({ length: 2 * FINALIZE_BATCH + 1 }, () => chunk(0)))).toEqual([
      FINALIZE_BATCH,
      FINALIZE_BATCH,
      1,
    ]);
  });

  it('sends about FINALIZE_BATCH_SESSIONS sessions at a time, and a chunk with more on its own', () => {
    const third = Math.floor(FINALIZE_BATCH_SESSIONS / 3);
    const big = chunk(FINALIZE_BATCH_SESSIONS + 1);
    expect(batches([chunk(third), chunk(third), chunk(third), chunk(third), big, chunk(1)])).toEqual([
      3, 1, 1, 1,
    ]);
  });
});
