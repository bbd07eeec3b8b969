import { parentPort } from 'node:worker_threads';
import {
  type ChunkResult,
  ChunkScorer,
  type ChunkScorerOptions,
  type ChunkTask,
  type LogModelState,
} from './chunk-scorer.js';

/** The model and options a scoring worker scores every task with. */
export interface ScoreWorkerData {
  model: LogModelState;
  options: ChunkScorerOptions;
}

/** What a pool sends a worker: first its model, then tasks. */
export type ScoreWorkerMessage = { init: ScoreWorkerData } | { task: ChunkTask };

/** A worker's answer to one task. */
export type ScoreWorkerReply =
  | { ok: true; result: ChunkResult }
  | { ok: false; seq: number; message: string };

const port = parentPort;
if (port) {
  let scorer: ChunkScorer | null = null;
  let initError: string | null = null;
  port.on('message', (message: ScoreWorkerMessage) => {
    if ('init' in message) {
      try {
        scorer = new ChunkScorer(message.init.model, message.init.options);
      } catch (err) {
        // Reported with the first task, which has a promise to reject.
        initError = describe(err);
      }
      return;
    }
    const task = message.task;
    let reply: ScoreWorkerReply;
    const transfer: ArrayBuffer[] = [];
    try {
      if (scorer === null) throw new Error(initError ?? 'the worker got a task before its model');
      const result = scorer.score(task);
      result.inputMemory = task.bytes.buffer as ArrayBuffer;
      transfer.push(result.inputMemory);
      if (result.output) transfer.push(result.output.buffer as ArrayBuffer);
      if (result.lineScores) transfer.push(result.lineScores.buffer as ArrayBuffer);
      reply = { ok: true, result };
    } catch (err) {
      reply = { ok: false, seq: task.seq, message: describe(err) };
    }
    port.postMessage(reply, transfer);
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
