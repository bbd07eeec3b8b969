import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { EngineApiContext } from '../api/context';
import { EngineApi, type Job } from '../api/engine-api';
import { formatBytes, formatEta, JobsTable } from './Jobs';

function job(over: Partial<Job>): Job {
  return {
    job_id: 'j1',
    status: 'completed',
    source: 'app.log',
    progress: 1,
    declared_size: 52_000_000,
    bytes_received: 52_000_000,
    bytes_processed: 52_000_000,
    lines_processed: 340_000,
    anomalies_found: 12,
    estimated_remaining_time: 0,
    error_code: null,
    error_message: null,
    created_at: '2026-11-23T06:00:00Z',
    finished_at: '2026-11-23T06:01:00Z',
    ...over,
  };
}

/** A fetch that answers like the engine: a job list, an event stream per job, cancel. */
function engine(jobs: Job[], streams: Record<string, string>, calls: string[]): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${url}`);
    if (url.startsWith('/api/v1/jobs?')) {
      return { ok: true, status: 200, json: async () => ({ items: jobs, next_cursor: null }) };
    }
    const stream = /\/api\/v2\/results\/(.+)\/stream$/.exec(url);
    if (stream) {
      const bytes = new TextEncoder().encode(streams[stream[1]] ?? '');
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(bytes);
          c.close();
        },
      });
      return { ok: true, status: 200, body };
    }
    if (url.startsWith('/api/v2/cancel/')) {
      return { ok: true, status: 200, json: async () => ({ status: 'cancelled' }) };
    }
    return { ok: false, status: 404, text: async () => '{"error":{"code":"not_found","message":"no such route"}}' };
  }) as unknown as typeof fetch;
}

function renderJobs(fetchImpl: typeof fetch) {
  return render(
    <EngineApiContext.Provider value={new EngineApi({ baseUrl: '', fetch: fetchImpl })}>
      <JobsTable />
    </EngineApiContext.Provider>
  );
}

describe('Jobs', () => {
  test('lists jobs, follows an active one through its event stream to the end, and shows errors in words', async () => {
    const calls: string[] = [];
    const jobs = [
      job({ job_id: 'live', source: 'big.log', status: 'processing', progress: 0.2, lines_processed: 1000 }),
      job({ job_id: 'bad', source: 'image.png', status: 'failed', progress: 0, error_message: 'not a text file' }),
    ];
    const streams = {
      live: 'event: progress\ndata: {"progress":0.6,"lines_processed":200000}\n\nevent: completed\ndata: {"status":"completed","anomalies_found":7}\n\n',
    };
    renderJobs(engine(jobs, streams, calls));
    expect(await screen.findByText('big.log')).toBeInTheDocument();
    expect(screen.getByText('not a text file')).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByText('completed')).toHaveLength(1));
    expect(screen.getByText('200,000')).toBeInTheDocument();
    expect(calls).toContain('GET /api/v2/results/live/stream');
    expect(calls).not.toContain('GET /api/v2/results/bad/stream');
  });

  test('cancels a running job', async () => {
    const calls: string[] = [];
    renderJobs(engine([job({ job_id: 'run', source: 'run.log', status: 'processing', progress: 0.3 })], {}, calls));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel run.log' }));
    await waitFor(() => expect(calls).toContain('POST /api/v2/cancel/run'));
    expect(await screen.findByText('cancelled')).toBeInTheDocument();
  });

  test('says so when the engine refuses the key', async () => {
    const refused = (async () => ({ ok: false, status: 401, text: async () => '' })) as unknown as typeof fetch;
    renderJobs(refused);
    expect(await screen.findByText(/refused the API key/)).toBeInTheDocument();
  });

  test('formats sizes and times for people', () => {
    expect(formatBytes(52_000_000)).toBe('52 MB');
    expect(formatBytes(1_400_000_000)).toBe('1.4 GB');
    expect(formatEta(200)).toBe('3 min 20 s');
    expect(formatEta(null)).toBe('—');
  });
});
