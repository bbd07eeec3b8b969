import { describe, expect, it } from 'vitest';
import { type TemplateMatch, TemplateMiner, TemplateMinerStateError, WILDCARD } from './drain.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

/** A small mixed stream: value variants, word variants, a leading variable word and unrelated events. */
function stream(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const user = USERS[i % USERS.length];
    lines.push(`Accepted password for ${user} from 10.0.${i}.1 port ${2000 + i} ssh2`);
    lines.push(`Invalid user ${user}${i % 3 === 0 ? '' : 'x'} from 10.1.${i}.7`);
    lines.push(`Received block blk_${1000 + i * 7} of size ${i * 512} from /10.2.0.${i}`);
    if (i % 4 === 0) lines.push(`${user} logged in at Fri Jul  ${1 + (i % 9)} 07:57:${10 + i} 2005`);
    if (i % 5 === 0)
      lines.push(
        i % 10 === 0 ? 'Ending TrustedInstaller initialization.' : 'Ending TrustedInstaller finalization.',
      );
  }
  return lines;
}

describe('TemplateMiner', () => {
  it('groups messages that differ in values and keeps different messages apart', () => {
    const miner = new TemplateMiner();
    const a = miner.add('Accepted password for alice from 10.0.0.1 port 22 ssh2');
    const b = miner.add('Accepted password for alice from 10.0.0.2 port 40 ssh2');
    const c = miner.add('Connection closed by 10.0.0.3 port 22 [preauth]');
    expect(a).toMatchObject({ created: true, merged: [] });
    expect(b).toMatchObject({
      index: a.index,
      id: a.id,
      created: false,
      template: 'Accepted password for alice from <*> port <*> ssh2',
      params: ['10.0.0.2', '40'],
    });
    expect(c.index).not.toBe(a.index);
    expect(c.template).toBe('Connection closed by <*> port <*> [preauth]');
    expect(miner.size).toBe(2);
  });

  it('generalizes tokens holding digits at once, but not plain words', () => {
    const miner = new TemplateMiner();
    const first = miner.add('Received block blk_123 of size 67108864');
    expect(first.template).toBe('Received block blk_123 of size <*>');
    expect(miner.add('Received block blk_456 of size 512').template).toBe('Received block <*> of size <*>');
    const other = miner.add('Ending TrustedInstaller initialization.');
    expect(miner.add('Ending TrustedInstaller finalization.').index).not.toBe(other.index);
  });

  it('merges word variants once a position shows `variants` distinct words', () => {
    const miner = new TemplateMiner({ variants: 4 });
    const seen: TemplateMatch[] = ['alice', 'bob', 'carol'].map((user) =>
      miner.add(`Invalid user ${user} from 10.0.0.1`),
    );
    expect(new Set(seen.map((m) => m.index)).size).toBe(3);
    const fourth = miner.add('Invalid user dave from 10.0.0.9');
    expect(fourth).toMatchObject({
      index: seen[0].index,
      id: seen[0].id,
      template: 'Invalid user <*> from <*>',
    });
    expect([...fourth.merged].sort()).toEqual([seen[1].index, seen[2].index].sort());
    expect(miner.add('Invalid user erin from 10.0.0.2')).toMatchObject({
      index: seen[0].index,
      created: false,
    });
    expect(miner.size).toBe(1);
    expect(miner.templates()).toEqual([
      { index: seen[0].index, id: seen[0].id, template: 'Invalid user <*> from <*>', count: 5 },
    ]);
  });

  it('merges variants of a leading word too', () => {
    const miner = new TemplateMiner();
    const results = USERS.map((user, i) => miner.add(`${user} logged in from 10.0.0.${i}`));
    expect(results[3].template).toBe('<*> logged in from <*>');
    expect(results[4]).toMatchObject({ index: results[0].index, created: false });
    expect(miner.size).toBe(1);
  });

  it('keeps the id assigned at creation while the template generalizes', () => {
    const miner = new TemplateMiner();
    const first = miner.add('Failed password for root from 10.0.0.1 port 22 ssh2 session s1');
    const ids = new Set([first.id]);
    const templates = new Set([first.template]);
    for (let i = 2; i < 6; i++) {
      const match = miner.add(`Failed password for root from 10.0.0.${i} port ${40 + i} ssh2 session s${i}`);
      ids.add(match.id);
      templates.add(match.template);
    }
    expect(ids).toEqual(new Set([first.id]));
    expect(templates.size).toBe(2);
    expect(miner.templates()[0].template).toBe('Failed password for root from <*> port <*> ssh2 session <*>');
  });

  it('match() finds the template without learning anything', () => {
    const miner = new TemplateMiner();
    for (const line of stream()) miner.add(line);
    const before = JSON.stringify(miner.toJSON());
    const found = miner.match('Received block blk_9 of size 1 from /10.9.9.9');
    expect(found).toMatchObject({ template: 'Received block <*> of size <*> from <*>', created: false });
    expect(found?.params).toEqual(['blk_9', '1', '/10.9.9.9']);
    expect(miner.match('Invalid user zed from 10.0.0.1')).not.toBeNull();
    expect(miner.match('Disk quota exceeded on volume /data')).toBeNull();
    expect(miner.match('Ending TrustedInstaller cleanup.')).toBeNull();
    expect(JSON.stringify(miner.toJSON())).toBe(before);
  });

  it('overlays read the parent without changing it and learn new clusters locally', () => {
    const parent = new TemplateMiner();
    for (const line of stream()) parent.add(line);
    const before = JSON.stringify(parent.toJSON());
    const parentIds = new Set(parent.templates().map((t) => t.id));
    const parentIndices = parent.templates().map((t) => t.index);
    const chunk = [
      'Received block blk_77 of size 9 from /10.3.0.1',
      'Disk quota exceeded on volume /data for uid 1001',
      'Disk quota exceeded on volume /home for uid 1002',
      'Ending TrustedInstaller cleanup.',
    ];
    const overlay = parent.overlay();
    const out = chunk.map((line) => overlay.add(line));
    expect(out[0]).toMatchObject({ created: false, id: parent.match(chunk[0])?.id });
    expect(out[1].created).toBe(true);
    expect(out[2]).toMatchObject({ index: out[1].index, created: false });
    for (const m of [out[1], out[3]]) {
      expect(parentIds.has(m.id)).toBe(false);
      expect(m.index).toBeGreaterThan(Math.max(...parentIndices));
    }
    expect(overlay.size).toBe(2);
    expect(overlay.templates().map((t) => t.index)).toEqual([out[1].index, out[3].index]);
    expect(JSON.stringify(parent.toJSON())).toBe(before);
    expect(parent.match(chunk[1])).toBeNull();

    const again = parent.overlay();
    expect(chunk.map((line) => again.add(line))).toEqual(out);
    expect(() => overlay.toJSON()).toThrow(/overlay cannot be serialized/);
    parent.add('Something new happened');
    expect(() => overlay.add(chunk[0])).toThrow(/has learned since the overlay was made/);
  });

  it('evicts the least recently matched cluster past maxClusters and reuses its index', () => {
    const miner = new TemplateMiner({ maxClusters: 3 });
    const a = miner.add('alpha started on 1');
    const b = miner.add('beta stopped after 2');
    const c = miner.add('gamma failed with 3');
    miner.add('alpha started on 4');
    const d = miner.add('delta paused for 5');
    expect(miner.size).toBe(3);
    expect(d).toMatchObject({ created: true, index: b.index });
    expect(d.id).not.toBe(b.id);
    expect(miner.match('beta stopped after 6')).toBeNull();
    expect(miner.match('alpha started on 7')?.id).toBe(a.id);
    expect(miner.match('gamma failed with 8')?.id).toBe(c.id);
    expect(
      miner
        .templates()
        .map((t) => t.index)
        .sort(),
    ).toEqual([a.index, b.index, c.index].sort());
  });

  it('stays within maxClusters with dense indices while evicting and merging', () => {
    const maxClusters = 12;
    const miner = new TemplateMiner({ maxClusters });
    const words = ['red', 'green', 'blue', 'cyan', 'pink', 'gray', 'gold', 'teal'];
    for (let i = 0; i < 3000; i++) {
      const a = words[(i * 7) % words.length];
      const b = words[(i * 3 + (i >> 4)) % words.length];
      const shape = i % 5;
      const line =
        shape === 0
          ? `paint ${a} wall number ${i}`
          : shape === 1
            ? `${b} light ${a} switched after ${i} ms`
            : `event${shape} ${a} ${b} ${words[i % 3]} code ${i % 11}`;
      const match = miner.add(line);
      expect(match.index).toBeLessThan(maxClusters);
      expect(miner.size).toBeLessThanOrEqual(maxClusters);
    }
    const indices = miner.templates().map((t) => t.index);
    expect(new Set(indices).size).toBe(indices.length);
    expect(TemplateMiner.fromJSON(miner.toJSON()).toJSON()).toEqual(miner.toJSON());
  });

  it('round-trips through JSON exactly and then behaves identically', () => {
    const lines = stream();
    const miner = new TemplateMiner({ maxClusters: 12 });
    for (const line of lines.slice(0, 120)) miner.add(line);
    const state = JSON.parse(JSON.stringify(miner.toJSON()));
    const copy = TemplateMiner.fromJSON(state);
    expect(copy.toJSON()).toEqual(miner.toJSON());
    expect(copy.templates()).toEqual(miner.templates());
    const rest = [...lines.slice(120), ...lines.map((line) => line.replace('from', 'to'))];
    for (const line of rest) expect(copy.add(line)).toEqual(miner.add(line));
    expect(copy.toJSON()).toEqual(miner.toJSON());
  });

  it('refuses a state it cannot restore', () => {
    const miner = new TemplateMiner();
    miner.add('Job 1 done');
    const state = miner.toJSON();
    expect(() =>
      TemplateMiner.fromJSON({ ...state, clusters: [{ ...state.clusters[0], slots: [] }] }),
    ).toThrow(TemplateMinerStateError);
    expect(() => TemplateMiner.fromJSON({ ...state, roots: [[3, { children: [], clusters: [7] }]] })).toThrow(
      /unknown cluster 7/,
    );
  });

  it('is deterministic: the same messages give the same ids, indices and templates', () => {
    const run = (): TemplateMatch[] => {
      const miner = new TemplateMiner();
      return stream().map((line) => miner.add(line));
    };
    expect(run()).toEqual(run());
  });

  it('keeps the glue of the first message in the template text', () => {
    const miner = new TemplateMiner();
    miner.add('Job  42 done: status=OK, took 3 ms.');
    const match = miner.add('Job  43 done: status=OK, took 5 ms.');
    expect(match.template).toBe(`Job  ${WILDCARD} done: status=OK, took ${WILDCARD}.`);
    expect(miner.add('Job 44 failed: status=ERR').template).toBe('Job <*> failed: status=ERR');
    expect(match.params).toEqual(['43', '5 ms']);
  });

  it('rejects invalid options', () => {
    expect(() => new TemplateMiner({ depth: 2 })).toThrow(RangeError);
    expect(() => new TemplateMiner({ similarity: 1.5 })).toThrow(RangeError);
    expect(() => new TemplateMiner({ maxClusters: 0 })).toThrow(RangeError);
    expect(() => new TemplateMiner({ variants: 1 })).toThrow(RangeError);
    expect(() => new TemplateMiner({ maxChildren: 1.5 })).toThrow(RangeError);
  });
});
