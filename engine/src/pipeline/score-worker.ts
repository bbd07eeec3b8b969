import { parentPort, workerData } from 'node:worker_threads';
import {
  type ChunkResult,
  ChunkScorer,
  type ChunkScorerOptions,
  type ChunkTask,
  type LogModelState,
} from './chunk-scorer.js';

/** Data a scoring worker starts with. */
export interface ScoreWorkerData {
  model: LogModelState;
  options: ChunkScorerOptions;
}

/** A worker's answer to one task. */
export type ScoreWorkerReply =
  | { ok: true; result: ChunkResult }
  | { ok: false; seq: number; message: string };

const port = parentPort;
if (port) {
  const { model, options } = workerData as ScoreWorkerData;
  const scorer = new ChunkScorer(model, options);
  port.on('message', (task: ChunkTask) => {
    let reply: ScoreWorkerReply;
    const transfer: ArrayBuffer[] = [];
    try {
      const result = scorer.score(task);
      result.inputMemory = task.bytes.buffer as ArrayBuffer;
      transfer.push(result.inputMemory);
      if (result.output) transfer.push(result.output.buffer as ArrayBuffer);
      if (result.lineScores) transfer.push(result.lineScores.buffer as ArrayBuffer);
      reply = { ok: true, result };
    } catch (err) {
      reply = {
        ok: false,
        seq: task.seq,
        message: err instanceof Error ? (err.stack ?? err.message) : String(err),
      };
    }
    port.postMessage(reply, transfer);
  });
}
