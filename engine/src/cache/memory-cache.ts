import { type Cache, ttlMilliseconds } from './cache.js';

/** Options of {@link MemoryCache}. */
export interface MemoryCacheOptions {
  /** Entries kept; the least recently used go first. @defaultValue 10_000 */
  maxEntries?: number;
  /** Characters of keys and values kept; the least recently used go first. @defaultValue 16 Mi */
  maxChars?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/** The in-process {@link Cache} of the embedded default: a least-recently-used map bounded in entries and size. */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private chars = 0;

  constructor({ maxEntries = 10_000, maxChars = 16 << 20 }: MemoryCacheOptions = {}) {
    this.maxEntries = maxEntries;
    this.maxChars = maxChars;
  }

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.remove(key);
      return null;
    }
    // Map order is insertion order: moving the entry to the end marks it most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const expiresAt = Date.now() + ttlMilliseconds(ttlMs);
    this.remove(key);
    if (key.length + value.length > this.maxChars) return;
    this.entries.set(key, { value, expiresAt });
    this.chars += key.length + value.length;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.remove(oldest);
    }
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.remove(key);
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.chars -= key.length + entry.value.length;
  }
}
