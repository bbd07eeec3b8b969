import { describe, expect, it } from 'vitest';
import { UploadRefusedError } from './tus-client.js';

describe('UploadRefusedError', () => {
  it('retries what another try can fix: a busy upload, a damaged chunk, a server fault', () => {
    const retryable = (status: number) => new UploadRefusedError(status, 'x', 'y').retryable;
    expect([409, 460, 500, 503].map(retryable)).toEqual([true, true, true, true]);
    expect([400, 401, 404, 410, 413, 415].map(retryable)).toEqual([false, false, false, false, false, false]);
  });
});
