import type { SseEvent } from './sse';
import type { Job } from './engine-api';

/** What an event of a job's stream changes in the job (`progress`, `completed`, `failed`, `cancelled`, …). */
export function applyJobEvent(job: Job, e: SseEvent): Job {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(e.data) as Record<string, unknown>;
  } catch {
    return job;
  }
  const next: Job = { ...job };
  for (const key of [
    'status',
    'progress',
    'bytes_received',
    'bytes_processed',
    'lines_processed',
    'anomalies_found',
  ] as const) {
    if (data[key] !== undefined) {
      (next as unknown as Record<string, unknown>)[key] = data[key];
    }
  }
  const error = data.error as { code?: string; message?: string } | undefined;
  if (error) {
    next.error_code = error.code ?? null;
    next.error_message = error.message ?? null;
  }
  if (e.event === 'completed') {
    next.status = 'completed';
    next.progress = 1;
  }
  if (e.event === 'cancelled') {
    next.status = 'cancelled';
  }
  if (e.event === 'failed') {
    next.status = 'failed';
  }
  return next;
}
