import type { Explanation } from './explainer.js';

/** Where answers of a language model are kept, by a key of the template and the evidence. */
export interface ExplanationCache {
  /** The stored explanation, or `null` on a miss. */
  get(key: string): Promise<Explanation | null>;
  /** Stores an explanation under `key`, replacing any earlier one. */
  set(key: string, value: Explanation): Promise<void>;
}

/** Options of {@link MemoryExplanationCache}. */
export interface MemoryExplanationCacheOptions {
  /** Entries kept; the least recently used goes first. @defaultValue 10_000 */
  maxEntries?: number;
}

/** An in-process least-recently-used {@link ExplanationCache}, for a single server or the CLI. */
export class MemoryExplanationCache implements ExplanationCache {
  private readonly entries = new Map<string, Explanation>();
  private readonly maxEntries: number;

  constructor({ maxEntries = 10_000 }: MemoryExplanationCacheOptions = {}) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    this.maxEntries = maxEntries;
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  /** The stored explanation, now the most recently used, or `null`. */
  async get(key: string): Promise<Explanation | null> {
    const value = this.entries.get(key);
    if (value === undefined) return null;
    // Map keeps insertion order: re-inserting marks the entry as the most recently used.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores an explanation, evicting the least recently used entry when full. */
  async set(key: string, value: Explanation): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
