/** A unit of work on a job, as queued. */
export type JobTask =
  | { kind: 'train'; job_id: string }
  | { kind: 'chunk'; job_id: string; idx: number }
  | { kind: 'finalize'; job_id: string };
