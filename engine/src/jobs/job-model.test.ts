import { describe, expect, it } from 'vitest';
import { modelForJob, trainJobModel } from './job-model.js';

/** JSON lines of one service: a reason of three kinds, and one line with a reason of its own. */
function upload(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 3_000; i++) {
    const reason = i === 1_500 ? 'fraud_suspected' : ['declined', 'expired', 'limit'][i % 3];
    lines.push(`{"level":"warn","service":"payments","msg":"payment declined","reason":"${reason}"}`);
  }
  return lines;
}

describe('job models', () => {
  const options = { format: 'json', log_format: null };

  it("keep a job's own lines for that job alone", () => {
    const whole = trainJobModel(upload(), options, 'job-1', true);
    expect(whole.line.ownLines).toBe(true);
    expect(modelForJob(whole, 'job-1')).toBe(whole);
    const reused = modelForJob(whole, 'job-2');
    expect(reused.line.ownLines).toBeUndefined();
    expect(reused.line.templateBursts).toBeUndefined();
    expect(reused.line.fields).toEqual(whole.line.fields);
  });

  it('know own lines only when they are all of the upload', () => {
    expect(trainJobModel(upload(), options, 'job-1', false).line.ownLines).toBeUndefined();
    expect(trainJobModel(upload(), options, null, true).line.ownLines).toBeUndefined();
  });
});
