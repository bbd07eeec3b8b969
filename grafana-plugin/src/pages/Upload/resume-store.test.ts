import { RESUME_STORAGE_KEY, ResumeStore } from './resume-store';
import { DEFAULT_OPTIONS } from './upload-options';

describe('ResumeStore', () => {
  beforeEach(() => window.localStorage.clear());

  test('remembers, replaces and forgets uploads', () => {
    const store = new ResumeStore(window.localStorage);
    const entry = { name: 'a.log', size: 10, lastModified: 5, jobId: 'j1', options: DEFAULT_OPTIONS };
    store.remember(entry);
    store.remember({ ...entry, name: 'b.log', jobId: 'j2' });
    store.remember({ ...entry, size: 11 });
    expect(store.list().map((u) => `${u.jobId}:${u.name}:${u.size}`)).toEqual(['j2:b.log:10', 'j1:a.log:11']);
    store.forget('j2');
    store.forget('j1');
    expect(window.localStorage.getItem(RESUME_STORAGE_KEY)).toBeNull();
  });

  test('reads damaged storage as empty, skips damaged entries, and survives storage that throws', () => {
    window.localStorage.setItem(RESUME_STORAGE_KEY, '{not json');
    expect(new ResumeStore(window.localStorage).list()).toEqual([]);
    window.localStorage.setItem(
      RESUME_STORAGE_KEY,
      JSON.stringify([
        { name: 'a.log', size: 10, lastModified: 5, jobId: 'j1', options: DEFAULT_OPTIONS },
        { name: 'b.log', size: '10', lastModified: 5, jobId: 'j2', options: DEFAULT_OPTIONS },
        { name: 'c.log', size: 10, lastModified: 5, jobId: 'j3', options: { ...DEFAULT_OPTIONS, format: 'xml' } },
      ])
    );
    expect(new ResumeStore(window.localStorage).list().map((u) => u.jobId)).toEqual(['j1']);
    const broken: Storage = {
      length: 0,
      clear: () => undefined,
      key: () => null,
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined,
    };
    const store = new ResumeStore(broken);
    expect(store.list()).toEqual([]);
    expect(() =>
      store.remember({ name: 'a', size: 1, lastModified: 1, jobId: 'j', options: DEFAULT_OPTIONS })
    ).not.toThrow();
  });
});
