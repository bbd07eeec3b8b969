import { ResumeStore } from './resume-store';
import { FakeTusEngine, installBlobArrayBuffer } from './testing/fake-tus-engine';
import { DEFAULT_OPTIONS } from './upload-options';
import { type UploadItem, UploadQueue } from './upload-queue';

installBlobArrayBuffer();

const TEXT = 'line one\nline two\nline three\n'; // 29 bytes

function file(name: string): File {
  return new File([TEXT], name, { lastModified: 1_700_000_000_000 });
}

/** A fetch that holds every PATCH until it is let through by its upload's job id. */
function heldPatches(inner: typeof fetch) {
  const held: Array<{ url: string; go: () => void }> = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    if (init?.method === 'PATCH') {
      await new Promise<void>((go) => held.push({ url: String(input), go }));
    }
    return inner(input, init);
  };
  const release = (jobId?: string) => {
    for (const h of held.filter((x) => jobId === undefined || x.url.endsWith(`/${jobId}`))) {
      held.splice(held.indexOf(h), 1);
      h.go();
    }
  };
  return { fetchImpl, held, release };
}

/** Waits until the queue (and the held requests) reach a state. */
function until(queue: UploadQueue, done: (items: UploadItem[]) => boolean): Promise<UploadItem[]> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const items = queue.getSnapshot();
      if (done(items)) {
        clearInterval(timer);
        resolve(items);
      }
    }, 1);
  });
}

beforeEach(() => window.localStorage.clear());

describe('UploadQueue', () => {
  test('sends two files at a time, measures speed and time left, and keeps unfinished ones in storage', async () => {
    const engine = new FakeTusEngine();
    const { fetchImpl, held, release } = heldPatches(engine.fetch);
    let t = 0;
    const store = new ResumeStore(window.localStorage);
    const queue = new UploadQueue({ target: { baseUrl: '', fetch: fetchImpl }, store, chunkBytes: 8, now: () => t });
    queue.add([file('a.log'), file('b.log'), file('c.log')], DEFAULT_OPTIONS);
    await until(queue, () => held.length === 2);
    expect(queue.getSnapshot().map((i) => i.state)).toEqual(['uploading', 'uploading', 'queued']);
    expect(store.list().map((u) => u.name)).toEqual(['a.log', 'b.log']);

    // One second per chunk of a.log: 8 B/s, 13 bytes to go after the second chunk.
    t = 1000;
    release('job-1');
    await until(queue, (items) => items[0].sent === 8 && held.length === 2);
    t = 2000;
    release('job-1');
    await until(queue, (items) => items[0].sent === 16);
    const a = queue.getSnapshot()[0];
    expect(a.speed).toBe(8);
    expect(a.eta).toBeCloseTo(13 / 8);

    // Let everything through.
    const pump = setInterval(release, 1);
    await until(queue, (items) => items.every((i) => i.state === 'completed'));
    clearInterval(pump);
    expect(['job-1', 'job-2', 'job-3'].map((id) => engine.bytesOf(id))).toEqual([TEXT, TEXT, TEXT]);
    expect(store.list()).toEqual([]);
  });

  test('starts over when the engine no longer knows an upload it resumes', async () => {
    const engine = new FakeTusEngine();
    const store = new ResumeStore(window.localStorage);
    store.remember({
      name: 'a.log',
      size: 29,
      lastModified: 1_700_000_000_000,
      jobId: 'job-7',
      options: DEFAULT_OPTIONS,
    });
    // The engine knows job-7 while the page checks, then forgets it (say, its data directory was wiped).
    engine.uploads.set('job-7', {
      id: 'job-7',
      length: 29,
      metadata: {},
      received: [],
      offset: 0,
      status: 'uploading',
    });
    const queue = new UploadQueue({ target: { baseUrl: '', fetch: engine.fetch }, store, chunkBytes: 8 });
    await queue.restore();
    expect(queue.getSnapshot()[0]).toMatchObject({ name: 'a.log', state: 'waiting_for_file', jobId: 'job-7' });
    engine.uploads.delete('job-7');

    const messages = new Set<string | null>();
    queue.subscribe(() => messages.add(queue.getSnapshot()[0].message));
    queue.add([file('a.log')], DEFAULT_OPTIONS);
    const [item] = await until(queue, (items) => items[0].state === 'completed');
    expect(item.jobId).toBe('job-1');
    expect(messages).toContain('The engine no longer had this upload: it starts over.');
    expect(engine.bytesOf('job-1')).toBe(TEXT);
    expect(store.list()).toEqual([]);
  });
});
