import { webcrypto } from 'crypto';
import { error, FakeTusEngine, installBlobArrayBuffer } from '../pages/Upload/testing/fake-tus-engine';
import {
  encodeMetadata,
  terminateUpload,
  TusError,
  type TusUploadOptions,
  UploadAbortedError,
  uploadFile,
  uploadOffset,
} from './tus-upload';

installBlobArrayBuffer();

const TEXT = 'line one\nline two\nline three\n'; // 29 bytes: chunks of 8 are 8, 8, 8, 5

function setup(over: Partial<TusUploadOptions> = {}) {
  const engine = new FakeTusEngine('/proxy');
  const progress: number[] = [];
  const delays: number[] = [];
  const options: TusUploadOptions = {
    baseUrl: '/proxy',
    fetch: engine.fetch,
    file: new Blob([TEXT]),
    metadata: { filename: 'app.log', session_key: '/blk_\\d+/' },
    chunkBytes: 8,
    // jsdom's ArrayBuffers come from another realm than Node's Web Crypto accepts.
    digest: (data) => webcrypto.subtle.digest('SHA-256', Buffer.from(new Uint8Array(data))),
    onProgress: (sent) => progress.push(sent),
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...over,
  };
  return { engine, progress, delays, options };
}

describe('uploadFile', () => {
  test('creates the upload, then sends chunks at their offsets with their SHA-256', async () => {
    const { engine, progress, options } = setup();
    const created: string[] = [];
    const { jobId } = await uploadFile({ ...options, onCreated: (id) => created.push(id) });
    expect(jobId).toBe('job-1');
    expect(created).toEqual(['job-1']);
    expect(engine.requests).toEqual([
      'POST /api/v1/uploads',
      'PATCH /api/v1/uploads/job-1 @0+8 sha256',
      'PATCH /api/v1/uploads/job-1 @8+8 sha256',
      'PATCH /api/v1/uploads/job-1 @16+8 sha256',
      'PATCH /api/v1/uploads/job-1 @24+5 sha256',
    ]);
    expect(engine.bytesOf('job-1')).toBe(TEXT);
    expect(engine.uploads.get('job-1')).toMatchObject({
      length: 29,
      metadata: { filename: 'app.log', session_key: '/blk_\\d+/' },
      status: 'processing',
    });
    expect(progress).toEqual([0, 8, 16, 24, 29]);
  });

  test('sends the checksum as "sha256 <base64>" and the tus headers with the connection headers', async () => {
    const seen: Headers[] = [];
    const { engine, options } = setup();
    await uploadFile({
      ...options,
      file: new Blob(['abc']),
      headers: { 'X-API-Key': 'k' },
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers));
        return engine.fetch(input, init);
      },
    });
    const patch = seen[1];
    // sha256("abc"), base64
    expect(patch.get('Upload-Checksum')).toBe('sha256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
    expect(patch.get('Content-Type')).toBe('application/offset+octet-stream');
    expect(patch.get('Tus-Resumable')).toBe('1.0.0');
    expect(patch.get('X-API-Key')).toBe('k');
    expect(seen[0].get('Upload-Length')).toBe('3');
  });

  test('after a lost answer, asks the engine its offset and goes on from there without re-sending', async () => {
    const { engine, options, delays, progress } = setup();
    engine.failNext('PATCH', 'lost-answer', 1);
    const retries: string[] = [];
    await uploadFile({ ...options, onRetry: (r) => retries.push(`${r.attempt}/${r.retries}: ${r.reason}`) });
    expect(engine.requests).toEqual([
      'POST /api/v1/uploads',
      'PATCH /api/v1/uploads/job-1 @0+8 sha256',
      'PATCH /api/v1/uploads/job-1 @8+8 sha256',
      'HEAD /api/v1/uploads/job-1',
      'PATCH /api/v1/uploads/job-1 @16+8 sha256',
      'PATCH /api/v1/uploads/job-1 @24+5 sha256',
    ]);
    expect(engine.bytesOf('job-1')).toBe(TEXT);
    expect(delays).toEqual([500]);
    expect(retries).toEqual(['1/6: The engine cannot be reached (Failed to fetch).']);
    expect(progress).toEqual([0, 8, 16, 24, 29]);
  });

  test('retries 5xx and 409 with growing delays, from the offset HEAD gives', async () => {
    const { engine, options, delays } = setup();
    engine.failNext('PATCH', error(503, 'unavailable', 'the store is busy'), 1);
    engine.failNext('PATCH', error(409, 'upload_busy', 'another request is writing to this upload'));
    engine.failNext('HEAD', 'network');
    await uploadFile(options);
    expect(engine.bytesOf('job-1')).toBe(TEXT);
    expect(delays).toEqual([500, 1000, 2000]);
    expect(engine.requests.filter((r) => r.startsWith('HEAD'))).toHaveLength(3);
  });

  test('re-sends a chunk the engine refused for its checksum (460)', async () => {
    const { engine, options } = setup();
    engine.failNext('PATCH', error(460, 'checksum_mismatch', 'the chunk does not match its checksum'));
    await uploadFile(options);
    expect(engine.requests.slice(0, 3)).toEqual([
      'POST /api/v1/uploads',
      'PATCH /api/v1/uploads/job-1 @0+8 sha256',
      'PATCH /api/v1/uploads/job-1 @0+8 sha256',
    ]);
    expect(engine.bytesOf('job-1')).toBe(TEXT);
  });

  test("stops at another 4xx with the engine's message", async () => {
    const { engine, options, delays } = setup();
    engine.failNext('PATCH', error(415, 'binary_content', 'the upload is not text (it looks like a PNG image)'));
    const failure = uploadFile(options);
    await expect(failure).rejects.toBeInstanceOf(TusError);
    await expect(failure).rejects.toMatchObject({
      message: 'the upload is not text (it looks like a PNG image)',
      status: 415,
      code: 'binary_content',
    });
    expect(delays).toEqual([]);
  });

  test('gives up after its retries with the last reason', async () => {
    const { engine, options, delays } = setup({ retries: 2 });
    for (let i = 0; i < 3; i++) {
      engine.failNext('POST', error(502, 'bad_gateway', 'the engine is restarting'));
    }
    await expect(uploadFile(options)).rejects.toThrow('the engine is restarting');
    expect(delays).toEqual([500, 1000]);
    expect(engine.uploads.size).toBe(0);
  });

  test('while the browser is offline, waits for the network without spending its retries', async () => {
    const { engine, options } = setup();
    for (let i = 0; i < 4; i++) {
      engine.failNext('PATCH', 'network');
    }
    let offline = 4;
    const waits: string[] = [];
    const { jobId } = await uploadFile({
      ...options,
      retries: 0,
      whenOnline: () => (offline-- > 0 ? Promise.resolve() : null),
      onRetry: (r) => waits.push(`${r.offline ? 'offline' : 'retry'}: ${r.reason}`),
    });
    expect(engine.bytesOf(jobId)).toBe(TEXT);
    expect(waits).toHaveLength(4);
    expect(waits.every((w) => w.startsWith('offline: The engine cannot be reached'))).toBe(true);
  });

  test('pauses on abort, then resumes from the engine offset with the job id', async () => {
    const { engine, options } = setup();
    const ctl = new AbortController();
    const paused = uploadFile({ ...options, signal: ctl.signal, onProgress: (sent) => sent === 16 && ctl.abort() });
    await expect(paused).rejects.toBeInstanceOf(UploadAbortedError);
    expect(engine.uploads.get('job-1')?.offset).toBe(16);

    const requestsBefore = engine.requests.length;
    const { jobId } = await uploadFile({ ...options, jobId: 'job-1' });
    expect(jobId).toBe('job-1');
    expect(engine.requests.slice(requestsBefore)).toEqual([
      'HEAD /api/v1/uploads/job-1',
      'PATCH /api/v1/uploads/job-1 @16+8 sha256',
      'PATCH /api/v1/uploads/job-1 @24+5 sha256',
    ]);
    expect(engine.bytesOf('job-1')).toBe(TEXT);
  });

  test('an abort cuts a backoff short', async () => {
    const { engine, options } = setup();
    engine.failNext('PATCH', 'network');
    const ctl = new AbortController();
    const run = uploadFile({
      ...options,
      signal: ctl.signal,
      sleep: undefined,
      onRetry: () => ctl.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(UploadAbortedError);
  });

  test('an empty file is complete once created', async () => {
    const { engine, options } = setup({ file: new Blob([]) });
    await uploadFile(options);
    expect(engine.requests).toEqual(['POST /api/v1/uploads']);
  });
});

describe('uploadOffset and terminateUpload', () => {
  test('tell where an upload stands, cancel it, and say when the engine ended or forgot it', async () => {
    const { engine, options } = setup();
    const ctl = new AbortController();
    await uploadFile({ ...options, signal: ctl.signal, onProgress: (sent) => sent === 8 && ctl.abort() }).catch(
      () => undefined
    );
    expect(await uploadOffset(options, 'job-1')).toEqual({ offset: 8, length: 29 });
    await terminateUpload(options, 'job-1');
    expect(engine.uploads.get('job-1')?.status).toBe('cancelled');
    await expect(uploadOffset(options, 'job-1')).rejects.toMatchObject({ status: 410 });
    await expect(uploadOffset(options, 'nope')).rejects.toMatchObject({
      status: 404,
      message: 'not found',
    });
    // An upload the engine no longer knows is as good as terminated.
    await expect(terminateUpload(options, 'nope')).resolves.toBeUndefined();
  });
});

describe('encodeMetadata', () => {
  test('base64 of UTF-8 values, empty ones left out', () => {
    expect(encodeMetadata({ filename: 'café.log', service: '', retrain: 'true' })).toBe(
      'filename Y2Fmw6kubG9n,retrain dHJ1ZQ=='
    );
  });
});
