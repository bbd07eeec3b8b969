import type { Explanation } from '../explain/explainer.js';
import { type ExplanationCache, MemoryExplanationCache } from '../explain/explanation-cache.js';
import { type OllamaExplainError, OllamaExplainer } from '../explain/ollama-explainer.js';
import type { Detection } from '../model/detection.js';
import type { Store } from '../store/store.js';

/** What the LLM said of a detection, as stored beside it. */
export type LlmRecord = {
  text: string;
  likely_cause: string | null;
  model: string | null;
};

/** Why an explanation asked for now did not come: the LLM's fault, told in words. */
export class LlmExplainError extends Error {
  override name = 'LlmExplainError';

  constructor(
    readonly reason: 'timeout' | 'unreachable' | 'http' | 'invalid-reply' | 'busy',
    message: string,
  ) {
    super(message);
  }
}

/** Explanations asked of the LLM for one detection, on demand. */
export interface LlmExplainer {
  /** The model that answers. */
  readonly model: string;
  /**
   * Asks the LLM about `detection` now (a cached answer to equal evidence serves, unless `refresh`), stores the
   * answer beside the detection and returns it. Throws {@link LlmExplainError} when no answer came.
   */
  explainNow(detection: Detection, options?: { refresh?: boolean; signal?: AbortSignal }): Promise<LlmRecord>;
}

/** Asks the LLM about the worst anomalies in the background and stores what it says beside them. */
export interface Enrichment extends LlmExplainer {
  /** Offers new anomalies; returns at once (never blocks the pipeline). */
  offer(detections: readonly Detection[]): void;
  /** Whether the LLM server answers. */
  ping(): Promise<void>;
}

/** Options of {@link createEnrichment}. */
export interface EnrichmentOptions {
  store: Store;
  ollama: { host: string; model: string; timeoutMs: number };
  log: (line: string) => void;
  /** Anomalies waiting for the LLM at most; more are left with their deterministic explanation. @defaultValue 200 */
  backlog?: number;
  /** Explanations asked for on demand at once; more are refused as busy. @defaultValue 2 */
  maxOnDemand?: number;
}

const WORTH_ASKING = new Set(['high', 'critical']);

function recordOf(e: Explanation): LlmRecord {
  return { text: e.text, likely_cause: e.likely_cause, model: e.model };
}

/**
 * Background LLM explanations for high and critical anomalies, one request at a time, and explanations on demand;
 * both share one cache of answers.
 */
export function createEnrichment({
  store,
  ollama,
  log,
  backlog = 200,
  maxOnDemand = 2,
}: EnrichmentOptions): Enrichment {
  let lastError = 0;
  const cache = new MemoryExplanationCache();
  const explainer = new OllamaExplainer({
    host: ollama.host,
    model: ollama.model,
    timeoutMs: ollama.timeoutMs,
    cache,
    onError: (err) => {
      // One line a minute at most: a missing model would otherwise fill the log.
      if (Date.now() - lastError > 60_000)
        log(`[outlier] LLM explanation failed, using the deterministic one: ${err.message}`);
      lastError = Date.now();
    },
  });
  const waiting: Detection[] = [];
  let running = false;
  let onDemand = 0;
  const drain = async () => {
    running = true;
    for (let d = waiting.shift(); d; d = waiting.shift()) {
      const e = await explainer.explain(d);
      if (e.source === 'llm') await store.setLlmExplanation(d.id, recordOf(e));
    }
    running = false;
  };
  const inWords = (err: OllamaExplainError): LlmExplainError => {
    switch (err.reason) {
      case 'timeout':
        return new LlmExplainError(
          'timeout',
          `The language model ${ollama.model} gave no answer within ${ollama.timeoutMs / 1000} s. Try again, or allow it longer with OLLAMA_TIMEOUT_MS.`,
        );
      case 'unreachable':
        return new LlmExplainError(
          'unreachable',
          `The engine cannot reach Ollama at ${ollama.host}. Check that Ollama is running and that OLLAMA_HOST points to it.`,
        );
      case 'http':
        return new LlmExplainError(
          'http',
          `Ollama refused the request (${err.message.replace(/^Ollama answered /, '')}). Check that the model ${ollama.model} is pulled (OLLAMA_MODEL).`,
        );
      default:
        return new LlmExplainError(
          'invalid-reply',
          `The language model ${ollama.model} did not answer with a usable explanation. Try again, or use another model.`,
        );
    }
  };
  return {
    model: ollama.model,
    offer(detections) {
      for (const d of detections)
        if (d.severity && WORTH_ASKING.has(d.severity) && waiting.length < backlog) waiting.push(d);
      if (!running && waiting.length > 0)
        drain().catch((err: unknown) => log(`[outlier] LLM enrichment stopped: ${String(err)}`));
    },
    async ping() {
      const res = await fetch(new URL('/api/tags', ollama.host), { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) throw new Error(`Ollama answered ${res.status}`);
    },
    async explainNow(detection, { refresh = false, signal } = {}) {
      if (onDemand >= maxOnDemand)
        throw new LlmExplainError(
          'busy',
          `The language model is already explaining ${onDemand} anomalies; try again in a few seconds.`,
        );
      onDemand++;
      try {
        // A fresh explainer per call: its one fault is this call's, and `refresh` can skip the cached answer.
        const seen: { fault: OllamaExplainError | null } = { fault: null };
        const skipCache: ExplanationCache = { get: async () => null, set: (k, v) => cache.set(k, v) };
        const asked = new OllamaExplainer({
          host: ollama.host,
          model: ollama.model,
          timeoutMs: ollama.timeoutMs,
          cache: refresh ? skipCache : cache,
          onError: (err) => {
            if (err.reason !== 'cache') seen.fault = err;
          },
        });
        const e = await asked.explain(detection, signal);
        if (e.source !== 'llm')
          throw seen.fault
            ? inWords(seen.fault)
            : new LlmExplainError('unreachable', 'The request ended before the language model answered.');
        const record = recordOf(e);
        await store.setLlmExplanation(detection.id, record);
        return record;
      } finally {
        onDemand--;
      }
    },
  };
}
