import { describe, expect, it } from 'vitest';
import {
  CountFeatureSpace,
  countEvents,
  countVectorKey,
  parseTransitionKey,
  transitionKey,
  transitionKeys,
} from './session-features.js';

describe('session features', () => {
  it('counts events in order of first appearance', () => {
    expect([...countEvents(['b', 'a', 'b'])]).toEqual([
      ['b', 2],
      ['a', 1],
    ]);
  });

  it('lists distinct transitions with the start and the end', () => {
    const keys = [...transitionKeys(['a', 'b', 'a', 'b'])].map(parseTransitionKey);
    expect(keys).toEqual([
      { from: null, to: 'a' },
      { from: 'a', to: 'b' },
      { from: 'b', to: 'a' },
      { from: 'b', to: null },
    ]);
    expect([...transitionKeys([])].map(parseTransitionKey)).toEqual([{ from: null, to: null }]);
    expect(parseTransitionKey(transitionKey('x y', ''))).toEqual({ from: 'x y', to: '' });
  });

  it('keys count vectors independently of event order', () => {
    expect(countVectorKey(countEvents(['a', 'b', 'a']))).toBe(countVectorKey(countEvents(['b', 'a', 'a'])));
    expect(countVectorKey(countEvents(['a', 'b']))).not.toBe(countVectorKey(countEvents(['a', 'b', 'b'])));
  });

  it('encodes log1p counts of tracked events and the length', () => {
    const space = new CountFeatureSpace(['a', 'b']);
    const out = new Float64Array(5).fill(9);
    space.encode(countEvents(['a', 'a', 'a', 'z']), 4, out, 1);
    expect(space.cols).toBe(3);
    expect(Array.from(out)).toEqual([9, Math.log1p(3), 0, Math.log1p(4), 9]);
  });
});
