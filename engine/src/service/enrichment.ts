import { OllamaExplainer } from '../explain/ollama-explainer.js';
import type { Detection } from '../model/detection.js';
import type { Store } from '../store/store.js';

/** Asks the LLM about the worst anomalies in the background and stores what it says beside them. */
export interface Enrichment {
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
}

const WORTH_ASKING = new Set(['high', 'critical']);

/** Background LLM explanations for high and critical anomalies, one request at a time. */
export function createEnrichment({ store, ollama, log, backlog = 200 }: EnrichmentOptions): Enrichment {
  let lastError = 0;
  const explainer = new OllamaExplainer({
    host: ollama.host,
    model: ollama.model,
    timeoutMs: ollama.timeoutMs,
    onError: (err) => {
      // One line a minute at most: a missing model would otherwise fill the log.
      if (Date.now() - lastError > 60_000)
        log(`[outlier] LLM explanation failed, using the deterministic one: ${err.message}`);
      lastError = Date.now();
    },
  });
  const waiting: Detection[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    for (let d = waiting.shift(); d; d = waiting.shift()) {
      const e = await explainer.explain(d);
      if (e.source === 'llm')
        await store.setLlmExplanation(d.id, { text: e.text, likely_cause: e.likely_cause, model: e.model });
    }
    running = false;
  };
  return {
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
  };
}
