import { describe, expect, it } from 'vitest';
import type { Detection } from '../model/detection.js';
import { TopDetections } from './top-detections.js';

const d = (id: string, score: number) => ({ id, score }) as Detection;

describe('TopDetections', () => {
  it('keeps the N best, earlier first among equals', () => {
    const top = new TopDetections(3);
    for (const [id, s] of [
      ['a', 0.6],
      ['b', 0.9],
      ['c', 0.6],
      ['e', 0.7],
      ['f', 0.5],
    ] as const)
      top.offer(d(id, s));
    expect(top.sorted().map((x) => x.id)).toEqual(['b', 'e', 'a']);
    expect(top.wants(0.6)).toBe(false);
    expect(new TopDetections(0).wants(1)).toBe(false);
  });
});
