import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InvalidSourceError,
  loadSourcesFile,
  parseDuration,
  parseSourceDefinition,
} from './source-definition.js';

const prom = {
  id: 'node-cpu',
  kind: 'prometheus',
  url: 'http://prometheus:9090/',
  queries: ['rate(x[1m])'],
  schedule: '*/1 * * * *',
};

describe('source definitions', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('250ms')).toBe(250);
    for (const bad of ['', '5', 'm5', '5 minutes', '1h 30m', '-5s']) expect(parseDuration(bad)).toBeNull();
  });

  it('applies defaults and normalises the URL', () => {
    const d = parseSourceDefinition({ ...prom, step: '30s', lookback: '2d' });
    expect(d).toMatchObject({
      tenant: 'default',
      url: 'http://prometheus:9090',
      step: 30_000,
      lookback: 172_800_000,
      delay: 30_000,
      max_series: 100,
      threshold: 0.5,
      retrain: { interval: 86_400_000, max_anomalies: 500, shadow_runs: 3 },
    });
    const l = parseSourceDefinition({
      id: 'logs',
      kind: 'loki',
      url: 'http://loki:3100',
      query: '{job="a"}',
      schedule: '* * * * *',
      session_key: '/blk_\\d+/',
    });
    expect(l).toMatchObject({ kind: 'loki', org_id: null, session_key: '/blk_\\d+/', train_lines: 100_000 });
  });

  it('names the field that is wrong', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...prom, schedule: 'every minute' }, /schedule: not a cron expression/],
      [{ ...prom, step: '5 minutes' }, /step: "5 minutes" is not a duration/],
      [{ ...prom, url: 'ftp://x' }, /url: must be an http\(s\) URL/],
      [{ ...prom, queries: [] }, /queries/],
      [{ ...prom, id: 'Bad Id' }, /id: 1–63/],
      [{ ...prom, kind: 'graphite' }, /kind/],
      [{ ...prom, frobnicate: 1 }, /frobnicate/],
      [
        {
          id: 'l',
          kind: 'loki',
          url: 'http://l',
          query: '{a="b"}',
          schedule: '* * * * *',
          session_key: '/[/',
        },
        /session_key/,
      ],
    ];
    for (const [input, message] of cases) {
      expect(() => parseSourceDefinition(input)).toThrow(InvalidSourceError);
      expect(() => parseSourceDefinition(input)).toThrow(message);
    }
  });

  it('loads a sources file and rejects a duplicate id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outlier-sources-'));
    const ok = join(dir, 'ok.yaml');
    await writeFile(
      ok,
      `sources:\n  - id: a\n    kind: prometheus\n    url: http://p:9090\n    queries: ['up']\n    schedule: '* * * * *'\n    step: 15s\n`,
    );
    const [a] = await loadSourcesFile(ok);
    expect(a.definition).toMatchObject({ id: 'a', step: 15_000 });
    expect(a.raw).toMatchObject({ step: '15s' });
    const dup = join(dir, 'dup.yaml');
    await writeFile(
      dup,
      `sources:\n  - {id: a, kind: prometheus, url: 'http://p', queries: [up], schedule: '* * * * *'}\n  - {id: a, kind: prometheus, url: 'http://p', queries: [up], schedule: '* * * * *'}\n`,
    );
    await expect(loadSourcesFile(dup)).rejects.toThrow(/source a: tenant default has it twice/);
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'sources: [ {id: b, kind: loki, url: http://l, query: "{a=\\"b\\"}", schedule: nope} ]\n',
    );
    await expect(loadSourcesFile(bad)).rejects.toThrow(/bad.yaml: source b: schedule/);
    await expect(loadSourcesFile(join(dir, 'missing.yaml'))).rejects.toThrow(/missing.yaml: ENOENT/);
  });
});
