import React from 'react';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { EngineApiContext } from '../../api/context';
import { EngineApi } from '../../api/engine-api';
import { testIds } from '../../components/testIds';
import { RESUME_STORAGE_KEY, ResumeStore } from './resume-store';
import { error, FakeTusEngine, installBlobArrayBuffer } from './testing/fake-tus-engine';
import { Uploader } from './Upload';
import { uploadQueueFor } from './upload-queue';

installBlobArrayBuffer();

const TEXT = 'line one\nline two\nline three\n'; // 29 bytes: chunks of 8 are 8, 8, 8, 5
const MODIFIED = 1_700_000_000_000;

function logFile(name = 'app.log', text = TEXT): File {
  return new File([text], name, { lastModified: MODIFIED });
}

/** Holds PATCH requests from the `from`-th one on (1-based) until opened; an abort lets a held one go. */
class Valve {
  private patches = 0;
  private waiting: Array<() => void> = [];
  private closed = true;

  constructor(private readonly from: number) {}

  open(): void {
    this.closed = false;
    for (const go of this.waiting.splice(0)) {
      go();
    }
  }

  wrap(inner: typeof fetch): typeof fetch {
    return async (input, init) => {
      if (init?.method === 'PATCH' && ++this.patches >= this.from && this.closed) {
        await new Promise<void>((resolve, reject) => {
          this.waiting.push(resolve);
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        });
      }
      return inner(input, init);
    };
  }
}

function renderUploader(engine: FakeTusEngine, fetchImpl: typeof fetch = engine.fetch) {
  const api = new EngineApi({ baseUrl: '/proxy', fetch: fetchImpl });
  // The first call fixes the queue's options: small chunks, and no real waiting between retries.
  const queue = uploadQueueFor(api, { chunkBytes: 8, sleep: async () => undefined });
  const view = render(
    <MemoryRouter initialEntries={['/a/outlier-anomaly-app/upload']}>
      <EngineApiContext.Provider value={api}>
        {/* As in Grafana: the app's routes under /a/<plugin id>/. */}
        <Routes>
          <Route path="/a/outlier-anomaly-app/upload" element={<Uploader />} />
        </Routes>
      </EngineApiContext.Provider>
    </MemoryRouter>
  );
  return { api, queue, ...view };
}

function choose(...files: File[]) {
  fireEvent.change(screen.getByTestId(testIds.upload.fileInput), { target: { files } });
}

function row(name: string): HTMLElement {
  return screen.getByRole('listitem', { name: `Upload of ${name}` });
}

function stored() {
  return new ResumeStore(window.localStorage).list();
}

beforeEach(() => window.localStorage.clear());

describe('Upload page', () => {
  test('sends a chosen file in chunks at their offsets with the options as metadata, then shows its job', async () => {
    const engine = new FakeTusEngine('/proxy');
    renderUploader(engine);
    fireEvent.click(screen.getByRole('radio', { name: 'Loghub' }));
    fireEvent.change(screen.getByLabelText(/^Log format/), { target: { value: '<Date> <Level>: <Content>' } });
    fireEvent.change(screen.getByLabelText(/^Session key/), { target: { value: '/blk_-?\\d+/' } });
    fireEvent.change(screen.getByLabelText(/^Service/), { target: { value: 'hdfs' } });
    fireEvent.click(screen.getByLabelText(/^Retrain/));
    choose(logFile());

    expect(await within(row('app.log')).findByText('uploaded')).toBeInTheDocument();
    expect(engine.requests.filter((r) => r.startsWith('PATCH'))).toEqual([
      'PATCH /api/v1/uploads/job-1 @0+8 sha256',
      'PATCH /api/v1/uploads/job-1 @8+8 sha256',
      'PATCH /api/v1/uploads/job-1 @16+8 sha256',
      'PATCH /api/v1/uploads/job-1 @24+5 sha256',
    ]);
    // The fake engine checks every chunk against Node's SHA-256: the page's digest is right.
    expect(engine.bytesOf('job-1')).toBe(TEXT);
    expect(engine.uploads.get('job-1')?.metadata).toEqual({
      filename: 'app.log',
      format: 'loghub',
      log_format: '<Date> <Level>: <Content>',
      session_key: '/blk_-?\\d+/',
      service: 'hdfs',
      retrain: 'true',
    });
    const item = row('app.log');
    expect(within(item).getByRole('progressbar', { name: 'Progress of app.log' })).toHaveAttribute(
      'aria-valuenow',
      '100'
    );
    expect(within(item).getByText('100% · 29 B of 29 B')).toBeInTheDocument();
    const job = await within(item).findByTestId(testIds.upload.jobState);
    expect(await within(job).findByText('processing')).toBeInTheDocument();
    expect(within(job).getByRole('link', { name: /Open in Jobs/ })).toHaveAttribute(
      'href',
      '/a/outlier-anomaly-app/jobs'
    );
    expect(within(job).getByRole('link', { name: /See its anomalies/ })).toHaveAttribute(
      'href',
      '/a/outlier-anomaly-app/explorer?job=job-1'
    );
    expect(stored()).toEqual([]);
    expect(document.body.textContent).not.toMatch(/undefined|null|NaN/);
  });

  test('explains a bad session key and adds no file until it is fixed', async () => {
    const engine = new FakeTusEngine('/proxy');
    renderUploader(engine);
    fireEvent.change(screen.getByLabelText(/^Session key/), { target: { value: '/blk_(/' } });
    expect(screen.getByText(/\/blk_\(\/ is not a valid regular expression/)).toBeInTheDocument();
    fireEvent.drop(screen.getByTestId(testIds.upload.dropzone), { dataTransfer: { files: [logFile()] } });
    expect(await screen.findByText('Fix the options before adding files')).toBeInTheDocument();
    expect(engine.requests).toEqual([]);

    fireEvent.change(screen.getByLabelText(/^Session key/), { target: { value: 'trace_id' } });
    fireEvent.drop(screen.getByTestId(testIds.upload.dropzone), { dataTransfer: { files: [logFile()] } });
    expect(await within(row('app.log')).findByText('uploaded')).toBeInTheDocument();
    expect(engine.uploads.get('job-1')?.metadata.session_key).toBe('trace_id');
  });

  test("shows the engine's refusal in words and stops that file for good", async () => {
    const engine = new FakeTusEngine('/proxy');
    engine.failNext('PATCH', error(415, 'binary_content', 'the upload is not text (it looks like a PNG image)'));
    renderUploader(engine);
    choose(logFile('image.png'));
    const item = await screen.findByRole('listitem', { name: 'Upload of image.png' });
    expect(await within(item).findByRole('alert')).toHaveTextContent(
      'The engine refused image.png: the upload is not text (it looks like a PNG image).'
    );
    expect(within(item).getByText('refused')).toBeInTheDocument();
    // The same file would be refused again: there is nothing to retry or cancel, only to remove.
    expect(within(item).queryByRole('button', { name: 'Retry image.png' })).toBeNull();
    expect(within(item).queryByRole('button', { name: 'Cancel image.png' })).toBeNull();
    expect(engine.requests.filter((r) => r.startsWith('PATCH'))).toHaveLength(1);
    expect(stored()).toEqual([]);
    fireEvent.click(within(item).getByRole('button', { name: 'Remove image.png from the list' }));
    expect(screen.queryByRole('listitem', { name: 'Upload of image.png' })).toBeNull();
  });

  test("retries a failed chunk on its own, and after giving up, Retry goes on from the engine's offset", async () => {
    const engine = new FakeTusEngine('/proxy');
    // The second chunk is stored but its answer is lost; then the engine stays out of reach longer than 6 retries.
    engine.failNext('PATCH', 'lost-answer', 1);
    for (let i = 0; i < 7; i++) {
      engine.failNext('PATCH', 'network');
    }
    renderUploader(engine);
    choose(logFile());
    const item = await screen.findByRole('listitem', { name: 'Upload of app.log' });
    expect(await within(item).findByRole('alert')).toHaveTextContent('The engine cannot be reached (Failed to fetch).');
    expect(within(item).getByText(/^55\.1% · 16 B of 29 B/)).toBeInTheDocument();

    fireEvent.click(within(item).getByRole('button', { name: 'Retry app.log' }));
    expect(await within(item).findByText('uploaded')).toBeInTheDocument();
    expect(engine.bytesOf('job-1')).toBe(TEXT);
    const afterRetry = engine.requests
      .slice(engine.requests.lastIndexOf('HEAD /api/v1/uploads/job-1'))
      .filter((r) => !r.startsWith('GET'));
    expect(afterRetry).toEqual([
      'HEAD /api/v1/uploads/job-1',
      'PATCH /api/v1/uploads/job-1 @16+8 sha256',
      'PATCH /api/v1/uploads/job-1 @24+5 sha256',
    ]);
  });

  test('pauses and resumes from where the engine stands', async () => {
    const engine = new FakeTusEngine('/proxy');
    const valve = new Valve(2);
    renderUploader(engine, valve.wrap(engine.fetch));
    choose(logFile());
    const item = await screen.findByRole('listitem', { name: 'Upload of app.log' });
    expect(await within(item).findByText(/^27\.5% · 8 B of 29 B/)).toBeInTheDocument();

    fireEvent.click(within(item).getByRole('button', { name: 'Pause app.log' }));
    expect(await within(item).findByText('paused')).toBeInTheDocument();
    expect(stored()).toMatchObject([{ name: 'app.log', jobId: 'job-1' }]);
    valve.open();
    fireEvent.click(within(item).getByRole('button', { name: 'Resume app.log' }));
    expect(await within(item).findByText('uploaded')).toBeInTheDocument();
    expect(engine.bytesOf('job-1')).toBe(TEXT);
    expect(engine.requests).toContain('HEAD /api/v1/uploads/job-1');
    expect(engine.requests.filter((r) => r.includes('@0+'))).toHaveLength(1);
  });

  test('cancels an upload on the engine (tus termination) and forgets it', async () => {
    const engine = new FakeTusEngine('/proxy');
    const valve = new Valve(2);
    renderUploader(engine, valve.wrap(engine.fetch));
    choose(logFile());
    const item = await screen.findByRole('listitem', { name: 'Upload of app.log' });
    await within(item).findByText(/^27\.5%/);
    fireEvent.click(within(item).getByRole('button', { name: 'Cancel app.log' }));
    expect(await within(item).findByText('cancelled')).toBeInTheDocument();
    expect(engine.requests).toContain('DELETE /api/v1/uploads/job-1');
    expect(engine.uploads.get('job-1')?.status).toBe('cancelled');
    expect(stored()).toEqual([]);
    fireEvent.click(within(item).getByRole('button', { name: 'Remove app.log from the list' }));
    await waitFor(() => expect(screen.queryByRole('listitem')).not.toBeInTheDocument());
  });

  test('after a reload, lists the unfinished upload and continues it when the same file is chosen again', async () => {
    const engine = new FakeTusEngine('/proxy');
    const valve = new Valve(3);
    const before = renderUploader(engine, valve.wrap(engine.fetch));
    choose(logFile());
    await within(row('app.log')).findByText(/^55\.1%/);
    // The reload: the page's requests stop, the page goes, storage stays.
    before.queue.pause(before.queue.getSnapshot()[0].id);
    before.unmount();
    valve.open();
    window.localStorage.setItem(
      RESUME_STORAGE_KEY,
      JSON.stringify([
        ...JSON.parse(window.localStorage.getItem(RESUME_STORAGE_KEY) ?? '[]'),
        { name: 'gone.log', size: 10, lastModified: MODIFIED, jobId: 'job-99', options: stored()[0].options },
      ])
    );

    renderUploader(engine);
    const item = await screen.findByRole('listitem', { name: 'Upload of app.log' });
    expect(await within(item).findByText('Resume: choose app.log again.')).toBeInTheDocument();
    expect(within(item).getByText(/^55\.1% · 16 B of 29 B/)).toBeInTheDocument();
    expect(screen.getByText('Unfinished uploads')).toBeInTheDocument();
    // The engine does not know job-99: it is forgotten.
    await waitFor(() => expect(stored().map((s) => s.jobId)).toEqual(['job-1']));
    expect(screen.queryByRole('listitem', { name: 'Upload of gone.log' })).not.toBeInTheDocument();

    // Another file with the same name is refused; the same one continues.
    const changed = new File([TEXT], 'app.log', { lastModified: MODIFIED + 1000 });
    fireEvent.change(within(item).getByLabelText('The file app.log, to resume its upload'), {
      target: { files: [changed] },
    });
    expect(await within(item).findByRole('alert')).toHaveTextContent(
      'app.log is not the file this upload started with'
    );
    const requestsBefore = engine.requests.length;
    choose(logFile());
    expect(await within(item).findByText('uploaded')).toBeInTheDocument();
    expect(screen.getByText(/app\.log continues the upload started earlier/)).toBeInTheDocument();
    expect(engine.requests.slice(requestsBefore).filter((r) => !r.startsWith('GET'))).toEqual([
      'HEAD /api/v1/uploads/job-1',
      'PATCH /api/v1/uploads/job-1 @16+8 sha256',
      'PATCH /api/v1/uploads/job-1 @24+5 sha256',
    ]);
    expect(engine.bytesOf('job-1')).toBe(TEXT);
    expect(engine.uploads.size).toBe(1);
    expect(stored()).toEqual([]);
  });
});
