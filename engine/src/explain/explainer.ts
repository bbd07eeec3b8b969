import { z } from 'zod';
import type { Detection } from '../model/detection.js';

/** A human-readable account of one detection, from the evidence alone or from a language model. */
export interface Explanation {
  /** One or two sentences on what is unusual. */
  text: string;
  /** The most likely cause, or `null` when none is offered. */
  likely_cause: string | null;
  /** Who wrote `text`: the model, or Outlier's own sentence built from the evidence. */
  source: 'llm' | 'deterministic';
  /** The model that wrote the answer; `null` for deterministic explanations. */
  model: string | null;
}

/** Validates an {@link Explanation} read back from outside the process, e.g. from a shared cache. */
export const ExplanationSchema = z.object({
  text: z.string().min(1),
  likely_cause: z.string().min(1).nullable(),
  source: z.enum(['llm', 'deterministic']),
  model: z.string().nullable(),
}) satisfies z.ZodType<Explanation>;

/** Turns a detection into an {@link Explanation}. Implementations never reject: a fault yields a fallback. */
export interface Explainer {
  /** Explains one detection; `signal` cancels the work and yields the deterministic explanation. */
  explain(detection: Detection, signal?: AbortSignal): Promise<Explanation>;
}

/** The explanation every detection already carries, built from its evidence. */
export function deterministicExplanation(detection: Detection): Explanation {
  return { text: detection.explanation, likely_cause: null, source: 'deterministic', model: null };
}

/** The explainer used when no language model is configured: instant, offline, always the same answer. */
export class DeterministicExplainer implements Explainer {
  /** Returns the detection's own explanation, with no likely cause. */
  async explain(detection: Detection): Promise<Explanation> {
    return deterministicExplanation(detection);
  }
}
