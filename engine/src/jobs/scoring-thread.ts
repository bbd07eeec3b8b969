import { parentPort } from 'node:worker_threads';
import type { Detection } from '../model/detection.js';
import {
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
  | { id: number; type: 'finalize'; input: FinalizeInput }
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

/** What the end of a job scores: its chunks' partial sessions and windows, in chunk order. */
export interface FinalizeInput {
  source: string;
  partials: {
    windows: ChunkResult['windows'];
    sessions: ChunkResult['sessions'];
    eventNames?: ChunkResult['eventNames'];
  }[];
  options: ScoreAggregateOptions;
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
  port.on('message', (req: ScoringRequest) => {
    let reply: ScoringReply;
    try {
      if (req.type === 'train') {
        reply = {
          id: req.id,
          ok: true,
          model: trainJobModel(req.lines, req.options, req.burstJob, req.whole),
        };
      } else if (req.type === 'finalize') {
        reply = { id: req.id, ok: true, final: finalize(req.input) };
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
      reply = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
}

function finalize({ source, partials, options }: FinalizeInput): FinalizeResult {
  const agg = emptyAggregate();
  for (const p of partials) mergeChunkPartials(agg, source, p, options.windowMs);
  const detections: Detection[] = [];
  let windows = 0;
  for (const d of scoreAggregate(agg, options)) {
    if (d.kind === 'window') windows++;
    if (d.severity) detections.push(d);
  }
  return { detections, sessions: agg.sessions.size, windows };
}
