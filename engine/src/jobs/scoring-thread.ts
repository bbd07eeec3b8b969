import { parentPort } from 'node:worker_threads';
import type { Detection } from '../model/detection.js';
import {
  type Aggregate,
  emptyAggregate,
  mergeChunkPartials,
  type ScoreAggregateOptions,
  scoreAggregate,
} from '../pipeline/aggregate.js';
import {
  type ChunkResult,
  ChunkScorer,
  type ChunkScorerOptions,
  type ChunkTask,
} from '../pipeline/chunk-scorer.js';
import type { JobOptions } from '../store/store.js';
import { type JobModel, trainJobModel } from './job-model.js';

/** A request to a scoring thread. */
export type ScoringRequest =
  | {
      id: number;
      type: 'train';
      lines: string[];
      options: Pick<JobOptions, 'format' | 'log_format'>;
      /** The job whose own lines these are, whose template bursts the model keeps (see `trainJobModel`). */
      burstJob: string | null;
      /** Whether `lines` are all of that job's lines. */
      whole: boolean;
    }
  /**
   * Chunk partials merged ahead of a `finalize` on the same thread: a long job's partials come in batches, so that
   * the thread never holds them all at once (its heap is bounded; its aggregate is, see `MAX_WINDOWS`).
   */
  | {
      id: number;
      type: 'merge';
      /** The same for the merges and the finalize of one job's end. */
      run: number;
      source: string;
      partials: FinalizePartial[];
      windowMs: number;
    }
  /** Scores the sessions and windows the `merge` requests of its run brought. */
  | { id: number; type: 'finalize'; run: number; options: ScoreAggregateOptions }
  | {
      id: number;
      type: 'score';
      /** Names a model and scoring options; the thread keeps a few scorers by key. */
      key: string;
      /** Sent the first time this thread sees `key`. */
      model: JobModel | null;
      options: ChunkScorerOptions | null;
      task: ChunkTask;
    };

/** A chunk's partial sessions and windows, what the end of a job scores (in chunk order). */
export interface FinalizePartial {
  windows: ChunkResult['windows'];
  sessions: ChunkResult['sessions'];
  eventNames?: ChunkResult['eventNames'];
}

/** The anomalous sessions and windows of a job, and how many there were in all. */
export interface FinalizeResult {
  detections: Detection[];
  sessions: number;
  windows: number;
}

/** A scoring thread's answer. */
export type ScoringReply =
  | { id: number; ok: true; model?: JobModel; result?: ChunkResult; final?: FinalizeResult }
  | { id: number; ok: false; message: string; missingModel?: boolean };

const SCORERS_KEPT = 16;

const port = parentPort;
if (port) {
  const scorers = new Map<string, ChunkScorer>();
  // The aggregate of the `merge` requests of the finalize in progress on this thread, and its run (a run left
  // unfinished, by a failure on the other side, is dropped by the next one).
  let merging: Aggregate | null = null;
  let mergingRun = -1;
  port.on('message', (req: ScoringRequest) => {
    let reply: ScoringReply;
    try {
      if (req.type === 'merge') {
        if (merging === null || mergingRun !== req.run) {
          merging = emptyAggregate();
          mergingRun = req.run;
        }
        for (const p of req.partials) mergeChunkPartials(merging, req.source, p, req.windowMs);
        reply = { id: req.id, ok: true };
      } else if (req.type === 'train') {
        reply = {
          id: req.id,
          ok: true,
          model: trainJobModel(req.lines, req.options, req.burstJob, req.whole),
        };
      } else if (req.type === 'finalize') {
        const agg = merging !== null && mergingRun === req.run ? merging : emptyAggregate();
        merging = null;
        reply = { id: req.id, ok: true, final: finalize(agg, req.options) };
      } else {
        let scorer = scorers.get(req.key);
        if (!scorer) {
          if (!req.model || !req.options) {
            port.postMessage({ id: req.id, ok: false, message: 'model not loaded', missingModel: true });
            return;
          }
          scorer = new ChunkScorer(req.model, req.options);
          scorers.set(req.key, scorer);
          if (scorers.size > SCORERS_KEPT) scorers.delete(scorers.keys().next().value as string);
        }
        reply = { id: req.id, ok: true, result: scorer.score(req.task) };
      }
    } catch (err) {
      if (req.type === 'merge') merging = null;
      reply = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
}

function finalize(agg: Aggregate, options: ScoreAggregateOptions): FinalizeResult {
  const detections: Detection[] = [];
  let windows = 0;
  for (const d of scoreAggregate(agg, options)) {
    if (d.kind === 'window') windows++;
    if (d.severity) detections.push(d);
  }
  return { detections, sessions: agg.sessions.size, windows };
}
