import { describe, expect, it } from 'vitest';
import { EVENT_TEXT_CHARS } from '../detect/session-explanation.js';
import { createParser } from '../parse/parser.js';
import { trainLogModel } from './analyze.js';
import { ChunkScorer, type ChunkScorerOptions, quotedNames } from './chunk-scorer.js';

describe('ChunkScorer', () => {
  it("passes on the template text of its sessions' events, cut to what an explanation quotes", () => {
    // 150 sessions of two lines; one line's message is 217 characters.
    const long = `payload ${'x'.repeat(200)} rejected`;
    const lines = Array.from({ length: 300 }, (_, i) => {
      const message = i === 150 ? long : i % 2 === 0 ? `request ${i} received` : 'request answered';
      const time = `2026-11-22T06:00:${String(i % 60).padStart(2, '0')}Z`;
      return JSON.stringify({ time, msg: message, trace_id: `t${i >> 1}` });
    });
    const options: ChunkScorerOptions = {
      format: 'auto',
      sampleLines: lines.slice(0, 50),
      sessionKey: 'trace_id',
      windowMs: 60_000,
      threshold: 0.5,
      json: false,
      keepLineScores: false,
      tenant: 'default',
      top: 5,
      maxLineBytes: 65_536,
    };
    const model = trainLogModel(lines, createParser({ format: 'auto', sampleLines: lines }).parse);
    const r = new ChunkScorer(model, options).score({
      seq: 0,
      source: 'a.log',
      startLine: 1,
      bytes: Buffer.from(`${lines.join('\n')}\n`),
    });
    expect(r.sessions).toHaveLength(150);
    expect(Object.values(r.eventNames).sort()).toEqual([
      long.slice(0, EVENT_TEXT_CHARS + 1),
      'request <*> received',
      'request answered',
    ]);
    for (const s of r.sessions) for (const event of s.events) expect(r.eventNames[event]).toBeDefined();
  });

  it('keeps short texts whole', () => {
    const names = new Map([
      ['a', 'x'.repeat(EVENT_TEXT_CHARS + 1)],
      ['b', 'y'.repeat(EVENT_TEXT_CHARS + 5)],
    ]);
    expect(quotedNames(names)).toEqual({ a: names.get('a'), b: 'y'.repeat(EVENT_TEXT_CHARS + 1) });
  });
});
