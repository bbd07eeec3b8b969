import { describe, expect, it } from 'vitest';
import {
  clusterShape,
  createCluster,
  fits,
  hashId,
  lineShape,
  paramsOf,
  Slot,
  templateText,
  widen,
} from './cluster.js';
import { PrefixTree } from './prefix-tree.js';
import { scanTokens, TokenBuffer } from './tokenize.js';

function tokens(message: string): TokenBuffer {
  const buffer = new TokenBuffer();
  scanTokens(message, buffer);
  return buffer;
}

describe('cluster', () => {
  it('builds a template from a message and finds messages of the same shape', () => {
    const first = 'Job 42 done in 3 ms on node-7';
    const cluster = createCluster(tokens(first), first, 0, 0);
    expect(templateText(cluster)).toBe('Job <*> done in <*> on node-7');
    const other = 'Job 43 done in 9 ms on node-8';
    const buffer = tokens(other);
    expect(lineShape(buffer, other)).toBe(clusterShape(cluster));
    expect(fits(cluster, buffer, other)).toBe(4);
    expect(paramsOf(cluster, buffer, other)).toEqual(['43', '9 ms']);
    const different = 'Job 43 failed in 9 ms on node-8';
    expect(fits(cluster, tokens(different), different)).toBe(-1);
    expect(lineShape(tokens(different), different)).not.toBe(clusterShape(cluster));
  });

  it('widens a position to a value wildcard for values and to a full wildcard for words', () => {
    const message = 'user alice id 7';
    const cluster = createCluster(tokens(message), message, 0, 0);
    widen(cluster, 3, '8', Slot.ValueWord);
    expect(cluster.slots[3]).toBe(Slot.WildValue);
    widen(cluster, 1, 'bob', Slot.Word);
    expect(cluster.slots[1]).toBe(Slot.WildAny);
    expect(templateText(cluster)).toBe('user <*> id <*>');
  });

  it('hashes a template to a stable 14-digit id', () => {
    expect(hashId('Job <*> done')).toBe(hashId('Job <*> done'));
    expect(hashId('Job <*> done')).toMatch(/^[0-9a-f]{14}$/);
    expect(hashId('Job <*> done')).not.toBe(hashId('Job <*> failed'));
  });
});

describe('PrefixTree', () => {
  it('routes by leading words and prunes empty branches', () => {
    const tree = new PrefixTree(2, 100);
    const a = createCluster(tokens('disk full on sda'), 'disk full on sda', 0, 0);
    const b = createCluster(tokens('disk ok on sda'), 'disk ok on sda', 1, 1);
    tree.place(a);
    tree.place(b);
    const message = 'disk full on sdb';
    expect(tree.candidates(tokens(message), message).flatMap((leaf) => leaf.clusters)).toEqual([a]);
    expect(tree.neighbours(tokens(message), message).flatMap((leaf) => leaf.clusters)).toEqual([a, b]);
    tree.detach(a);
    tree.detach(b);
    expect(tree.roots.size).toBe(0);
  });
});
