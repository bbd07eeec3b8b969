import {
  type Cluster,
  clusterShape,
  compareWords,
  createCluster,
  fits,
  generalizeValues,
  hashId,
  isGeneral,
  lineShape,
  paramsOf,
  Slot,
  slotOf,
  templateText,
  UNPLACED,
  variantKey,
  WILDCARD,
  type WordComparison,
  widen,
} from './cluster.js';
import { PrefixTree, type TreeNodeState } from './prefix-tree.js';
import { scanTokens, TokenBuffer, TokenKind } from './tokenize.js';

export { WILDCARD };

/** Options of a {@link TemplateMiner}. */
export interface TemplateMinerOptions {
  /**
   * Depth of the prefix tree, counting the root and the token-count level: `depth - 2` leading tokens route a
   * message to the clusters it is compared with.
   * @defaultValue 4
   */
  depth?: number;
  /**
   * Least share of equal words (over positions where either side has a plain word) for a message that fits
   * no template to count as a variant of one.
   * @defaultValue 0.7
   */
  similarity?: number;
  /**
   * Most children of a tree node; further distinct words share the wildcard child.
   * @defaultValue 100
   */
  maxChildren?: number;
  /**
   * Most clusters kept; past it, the least recently matched cluster is evicted and its index reused.
   * @defaultValue 50000
   */
  maxClusters?: number;
  /**
   * Clusters that must differ only in words at the same positions before those positions become wildcards
   * and the clusters merge. Below it, `Ending initialization` and `Ending finalization` stay two templates; at
   * it, `Invalid user alice|bob|carol|dave` become one. Values (digits, masks, dotted names) generalize at once.
   * @defaultValue 4
   */
  variants?: number;
}

/** What the miner made of one message. */
export interface TemplateMatch {
  /** Internal cluster index, dense in `[0, maxClusters)`; reused after an eviction or merge (then `created`). */
  index: number;
  /** Stable template id: a hash of the cluster's first template, kept while the template generalizes. */
  id: string;
  /** The current template, wildcards as `<*>`. */
  template: string;
  /** The message's values at the template's wildcard positions. */
  params: string[];
  /** Whether this message created the cluster. */
  created: boolean;
  /**
   * Indices of clusters this message merged into this one (usually none): they no longer exist, and the
   * messages they had now belong to this cluster.
   */
  merged: readonly number[];
}

/** One cluster in {@link TemplateMiner.templates}. */
export interface TemplateSummary {
  index: number;
  id: string;
  template: string;
  /** Messages added to the cluster, including those of clusters merged into it. */
  count: number;
}

/** Serialized cluster; `slots` holds 0 (word), 1 (value word), 2 (value wildcard) or 3 (wildcard) per token. */
export interface ClusterState {
  seq: number;
  index: number;
  id: string;
  tokens: string[];
  slots: number[];
  glue: string[];
  count: number;
}

/** Everything a {@link TemplateMiner} knows, as plain JSON. */
export interface TemplateMinerState {
  version: 1;
  options: Required<TemplateMinerOptions>;
  /** Creation counter. */
  seq: number;
  /** First index never handed out. */
  indexLimit: number;
  /** Indices freed by evictions and merges, reused last in first out. */
  freeIndices: number[];
  /** Clusters, most recently matched first. */
  clusters: ClusterState[];
  /** Prefix tree roots by token count, in insertion order. */
  roots: Array<[number, TreeNodeState]>;
  /** Variant groups (clusters that differ from one another at the same positions) by key, as cluster indices. */
  variants: Array<[string, number[]]>;
}

export type { TreeNodeState };

const DEFAULTS: Required<TemplateMinerOptions> = {
  depth: 4,
  similarity: 0.7,
  maxChildren: 100,
  maxClusters: 50_000,
  variants: 4,
};

const NO_MERGES: readonly number[] = Object.freeze([]);
/** Messages whose match against a frozen parent an overlay remembers; past it the memory starts over. */
const MAX_REMEMBERED_MATCHES = 32_768;
/** Slots of the table of messages seen once (a power of two). */
const SIGHTINGS = 1 << 16;
/** Most templates compared when looking for a variant, so that streams of ever-new messages stay fast. */
const VARIANT_COMPARISONS = 1024;

/**
 * An online log template miner of the Drain family. Messages are tokenized with general masks and routed
 * through a fixed-depth prefix tree (token count, then leading words; values share a wildcard branch) to a
 * few templates. A message joins the most specific template it fits: the same words where the template has
 * words, values where it has values; differing values become wildcards. A message that fits none starts a
 * new cluster; when it is a close variant of an existing one, the two are remembered by the positions where
 * they differ, and once `variants` clusters differ at the same positions they merge, those positions becoming
 * wildcards. Memory is bounded by evicting the least recently matched cluster. The same messages in the same
 * order always give the same ids and output.
 *
 * @example
 * ```ts
 * const miner = new TemplateMiner();
 * miner.add('Accepted password for alice from 10.0.0.1 port 22 ssh2');
 * miner.add('Accepted password for alice from 10.0.0.2 port 40 ssh2').template;
 * // 'Accepted password for alice from <*> port <*> ssh2'
 * ```
 */
export class TemplateMiner {
  private readonly options: Required<TemplateMinerOptions>;
  private parent: TemplateMiner | null = null;
  private parentMutations = 0;
  private readonly tree: PrefixTree;
  private readonly byId = new Map<string, Cluster>();
  /** Templates without a wildcard for anything, by {@link clusterShape}. */
  private readonly byShape = new Map<number, Cluster[]>();
  private generalCount = 0;
  private readonly variantGroups = new Map<string, Cluster[]>();
  private readonly buffer = new TokenBuffer();
  private readonly comparison: WordComparison = { compared: 0, equal: 0 };
  private newest: Cluster | null = null;
  private oldest: Cluster | null = null;
  private clusterCount = 0;
  private seq = 0;
  private indexLimit = 0;
  private freeIndices: number[] = [];
  private mutations = 0;
  /**
   * What this miner's templates made of messages its overlays read from it, valid while it learns nothing:
   * log messages repeat, and a repeat then costs a lookup instead of a tokenization and a tree walk.
   */
  private readonly rememberedMatches = new Map<string, TemplateMatch>();
  /** Hashes of messages seen once, by slot (see {@link TemplateMiner.remember}); made by the first overlay read. */
  private sightings: Int32Array | null = null;

  /**
   * @param options - tuning; the defaults suit logs in general.
   * @throws RangeError on an option out of range.
   */
  constructor(options: TemplateMinerOptions = {}) {
    this.options = validate({ ...DEFAULTS, ...options });
    this.tree = new PrefixTree(this.options.depth - 2, this.options.maxChildren);
  }

  /** Number of clusters held (for an overlay, the clusters it learned itself). */
  get size(): number {
    return this.clusterCount;
  }

  /**
   * Learns from a message: joins (and may generalize) the template it fits, or creates or merges clusters.
   * In an overlay, a message its parents' templates fit may give the same (read-only) match as before.
   */
  add(message: string): TemplateMatch {
    this.checkParent();
    this.mutations++;
    if (this.rememberedMatches.size > 0) this.rememberedMatches.clear();
    const parent = this.parent;
    if (parent !== null) {
      const remembered = parent.rememberedMatches.get(message);
      if (remembered !== undefined) return remembered;
    }
    const buffer = this.buffer;
    scanTokens(message, buffer);
    const inherited = parent?.findFitInChain(buffer, message) ?? null;
    if (parent !== null && inherited !== null) {
      const match = toMatch(inherited, buffer, message, false, NO_MERGES);
      parent.remember(message, match);
      return match;
    }
    const fit = this.findFit(buffer, message);
    if (fit !== null) {
      generalizeValues(fit, buffer, message);
      fit.count++;
      this.touch(fit);
      return toMatch(fit, buffer, message, false, NO_MERGES);
    }
    return this.learnNew(buffer, message);
  }

  /**
   * Finds the template a message fits, without learning anything: `null` when learning the message would start
   * a new cluster or merge clusters.
   */
  match(message: string): TemplateMatch | null {
    this.checkParent();
    scanTokens(message, this.buffer);
    const fit = this.findFitInChain(this.buffer, message);
    return fit === null ? null : toMatch(fit, this.buffer, message, false, NO_MERGES);
  }

  /**
   * A child miner that reads this one without changing it and learns new clusters locally, with indices above
   * this miner's and ids distinct from its ids. A message that fits one of this miner's templates gets that
   * template as it is (it does not generalize). Meant for processing chunks in workers from one shared state,
   * so that what is known before the split is read identically by every chunk; this miner must not learn while
   * its overlays are in use (they throw if it did).
   */
  overlay(): TemplateMiner {
    const child = new TemplateMiner(this.options);
    child.parent = this;
    child.parentMutations = this.mutations;
    child.indexLimit = this.indexCeiling();
    return child;
  }

  /** The clusters held, by index (for an overlay, only the clusters it learned). */
  templates(): TemplateSummary[] {
    const list: TemplateSummary[] = [];
    for (let c = this.newest; c !== null; c = c.older) {
      list.push({ index: c.index, id: c.id, template: templateText(c), count: c.count });
    }
    return list.sort((a, b) => a.index - b.index);
  }

  /** The miner's full state as plain JSON; {@link TemplateMiner.fromJSON} restores it exactly. */
  toJSON(): TemplateMinerState {
    if (this.parent !== null) {
      throw new Error('an overlay cannot be serialized; serialize the miner it reads');
    }
    const clusters: ClusterState[] = [];
    for (let c = this.newest; c !== null; c = c.older) {
      const { seq, index, id, count } = c;
      clusters.push({ seq, index, id, tokens: [...c.tokens], slots: [...c.slots], glue: [...c.glue], count });
    }
    const variants: Array<[string, number[]]> = [];
    for (const [key, group] of this.variantGroups) variants.push([key, group.map((c) => c.index)]);
    return {
      version: 1,
      options: { ...this.options },
      seq: this.seq,
      indexLimit: this.indexLimit,
      freeIndices: [...this.freeIndices],
      clusters,
      roots: this.tree.toState(),
      variants,
    };
  }

  /**
   * Restores a miner saved with {@link TemplateMiner.toJSON}; it then behaves exactly as the saved one.
   * @throws {@link TemplateMinerStateError} when the state is from another version or inconsistent.
   */
  static fromJSON(state: TemplateMinerState): TemplateMiner {
    if (state.version !== 1) {
      throw new TemplateMinerStateError(`unsupported version ${String(state.version)}`);
    }
    for (const s of state.clusters) checkClusterState(s, state.options.maxClusters);
    const miner = new TemplateMiner(state.options);
    miner.seq = state.seq;
    miner.indexLimit = state.indexLimit;
    miner.freeIndices = [...state.freeIndices];
    const byIndex = new Map<number, Cluster>();
    for (const s of state.clusters) {
      const cluster: Cluster = {
        seq: s.seq,
        index: s.index,
        id: s.id,
        tokens: [...s.tokens],
        slots: Uint8Array.from(s.slots),
        glue: [...s.glue],
        count: s.count,
        text: null,
        leaf: UNPLACED,
        leafSlot: -1,
        variantKeys: [],
        newer: miner.oldest,
        older: null,
      };
      miner.index(cluster);
      if (miner.oldest === null) miner.newest = cluster;
      else miner.oldest.older = cluster;
      miner.oldest = cluster;
      byIndex.set(cluster.index, cluster);
      miner.byId.set(cluster.id, cluster);
      miner.clusterCount++;
    }
    const clusterAt = (index: number): Cluster => {
      const cluster = byIndex.get(index);
      if (cluster === undefined) throw new TemplateMinerStateError(`it names unknown cluster ${index}`);
      return cluster;
    };
    miner.tree.restore(state.roots, clusterAt);
    for (const [key, indices] of state.variants) {
      const group = indices.map(clusterAt);
      for (const cluster of group) cluster.variantKeys.push(key);
      miner.variantGroups.set(key, group);
    }
    return miner;
  }

  /**
   * Remembers a message's match once the message is seen a second time: most messages never repeat (they carry
   * ids), and remembering each would keep them alive only to be dropped, which costs the collector more than a
   * repeat costs to match again.
   */
  private remember(message: string, match: TemplateMatch): void {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < message.length; i++) h = Math.imul(h ^ message.charCodeAt(i), 0x01000193);
    this.sightings ??= new Int32Array(SIGHTINGS);
    const slot = h & (SIGHTINGS - 1);
    if (this.sightings[slot] !== h) {
      this.sightings[slot] = h;
      return;
    }
    if (this.rememberedMatches.size >= MAX_REMEMBERED_MATCHES) this.rememberedMatches.clear();
    this.rememberedMatches.set(message, match);
  }

  private checkParent(): void {
    if (this.parent !== null && this.parent.mutations !== this.parentMutations) {
      throw new Error('the miner this overlay reads has learned since the overlay was made');
    }
  }

  private indexCeiling(): number {
    return Math.max(this.indexLimit, this.parent === null ? 0 : this.parent.indexCeiling());
  }

  private idTaken(id: string): boolean {
    return this.byId.has(id) || this.parent?.idTaken(id) === true;
  }

  /** The template a tokenized message fits, looking in the parents first. */
  private findFitInChain(buffer: TokenBuffer, message: string): Cluster | null {
    return this.parent?.findFitInChain(buffer, message) ?? this.findFit(buffer, message);
  }

  /**
   * The template of this miner that a tokenized message fits, if any: the one whose words are all the
   * message's words (found by shape), else the most specific general one (oldest on ties).
   */
  private findFit(buffer: TokenBuffer, message: string): Cluster | null {
    const same = this.byShape.get(lineShape(buffer, message));
    if (same !== undefined)
      for (const cluster of same) if (fits(cluster, buffer, message) >= 0) return cluster;
    if (this.generalCount === 0) return null;
    let best: Cluster | null = null;
    let bestWords = -1;
    for (const leaf of this.tree.candidates(buffer, message)) {
      for (const cluster of leaf.general) {
        const words = fits(cluster, buffer, message);
        if (words > bestWords || (words === bestWords && best !== null && cluster.seq < best.seq)) {
          best = cluster;
          bestWords = words;
        }
      }
    }
    return best;
  }

  /** Handles a message that fits no template: merges it with its variants, or creates a cluster. */
  private learnNew(buffer: TokenBuffer, message: string): TemplateMatch {
    if (this.clusterCount >= this.options.maxClusters && this.oldest !== null) this.remove(this.oldest);
    const variant = this.closestVariant(buffer, message);
    if (variant === null) return toMatch(this.create(buffer, message), buffer, message, true, NO_MERGES);
    const key = variantKey(variant, buffer, message);
    let group = this.variantGroups.get(key);
    if (group === undefined) {
      group = [variant];
      this.variantGroups.set(key, group);
      variant.variantKeys.push(key);
    }
    if (group.length + 1 >= this.options.variants) return this.mergeGroup(key, group, buffer, message);
    const cluster = this.create(buffer, message);
    group.push(cluster);
    cluster.variantKeys.push(key);
    return toMatch(cluster, buffer, message, true, NO_MERGES);
  }

  /** The most similar template near the message in the tree, when similar enough (more equal words, then oldest). */
  private closestVariant(buffer: TokenBuffer, message: string): Cluster | null {
    const comparison = this.comparison;
    let best: Cluster | null = null;
    let bestSimilarity = -1;
    let bestEqual = -1;
    let budget = VARIANT_COMPARISONS;
    const maxMismatches = Math.floor(buffer.count * (1 - this.options.similarity) + 1e-9);
    for (const leaf of this.tree.neighbours(buffer, message)) {
      for (const cluster of leaf.clusters) {
        if (budget-- === 0) return best;
        compareWords(cluster, buffer, message, maxMismatches, comparison);
        if (comparison.compared === 0) continue;
        const similarity = comparison.equal / comparison.compared;
        if (similarity < this.options.similarity || similarity < bestSimilarity) continue;
        if (
          similarity > bestSimilarity ||
          comparison.equal > bestEqual ||
          (comparison.equal === bestEqual && best !== null && cluster.seq < best.seq)
        ) {
          best = cluster;
          bestSimilarity = similarity;
          bestEqual = comparison.equal;
        }
      }
    }
    return best;
  }

  /** Merges a variant group and the message into the group's oldest cluster. */
  private mergeGroup(key: string, group: Cluster[], buffer: TokenBuffer, message: string): TemplateMatch {
    let target = group[0];
    for (const cluster of group) if (cluster.seq < target.seq) target = cluster;
    const merged: number[] = [];
    this.unindex(target);
    this.tree.detach(target);
    for (const cluster of [...group]) {
      if (cluster === target) continue;
      for (let i = 0; i < target.tokens.length; i++) widen(target, i, cluster.tokens[i], cluster.slots[i]);
      target.count += cluster.count;
      merged.push(cluster.index);
      this.remove(cluster);
    }
    const { starts, ends, kinds } = buffer;
    for (let i = 0; i < target.tokens.length; i++) {
      const text = kinds[i] === TokenKind.Masked ? WILDCARD : message.slice(starts[i], ends[i]);
      widen(target, i, text, slotOf(kinds[i]));
    }
    this.dropVariantGroup(key);
    target.count++;
    this.tree.place(target);
    this.index(target);
    this.touch(target);
    return toMatch(target, buffer, message, false, merged);
  }

  /** Creates a cluster for a message; the caller has made room for it. */
  private create(buffer: TokenBuffer, message: string): Cluster {
    const index = this.freeIndices.pop() ?? this.indexLimit++;
    const cluster = createCluster(buffer, message, this.seq++, index);
    cluster.id = this.uniqueId(hashId(templateText(cluster)));
    this.tree.place(cluster);
    this.index(cluster);
    this.byId.set(cluster.id, cluster);
    this.clusterCount++;
    this.touch(cluster);
    return cluster;
  }

  /** Adds a cluster to the shape index, or counts it as general. */
  private index(cluster: Cluster): void {
    if (isGeneral(cluster)) {
      this.generalCount++;
      return;
    }
    const shape = clusterShape(cluster);
    const same = this.byShape.get(shape);
    if (same === undefined) this.byShape.set(shape, [cluster]);
    else same.push(cluster);
  }

  private unindex(cluster: Cluster): void {
    if (isGeneral(cluster)) {
      this.generalCount--;
      return;
    }
    const shape = clusterShape(cluster);
    const same = this.byShape.get(shape);
    if (same === undefined) return;
    same.splice(same.indexOf(cluster), 1);
    if (same.length === 0) this.byShape.delete(shape);
  }

  private uniqueId(base: string): string {
    if (!this.idTaken(base)) return base;
    for (let k = 1; ; k++) {
      const id = `${base}-${k}`;
      if (!this.idTaken(id)) return id;
    }
  }

  /** Forgets a cluster entirely, freeing its index. */
  private remove(cluster: Cluster): void {
    this.unlink(cluster);
    this.byId.delete(cluster.id);
    this.clusterCount--;
    this.freeIndices.push(cluster.index);
    for (const key of [...cluster.variantKeys]) {
      const group = this.variantGroups.get(key);
      if (group === undefined) continue;
      group.splice(group.indexOf(cluster), 1);
      if (group.length < 2) this.dropVariantGroup(key);
    }
    cluster.variantKeys = [];
    this.unindex(cluster);
    this.tree.detach(cluster);
  }

  private dropVariantGroup(key: string): void {
    const group = this.variantGroups.get(key);
    if (group === undefined) return;
    this.variantGroups.delete(key);
    for (const cluster of group) {
      const at = cluster.variantKeys.indexOf(key);
      if (at >= 0) cluster.variantKeys.splice(at, 1);
    }
  }

  /** Moves a cluster to the most recently matched end of the eviction list. */
  private touch(cluster: Cluster): void {
    if (this.newest === cluster) return;
    this.unlink(cluster);
    cluster.older = this.newest;
    if (this.newest !== null) this.newest.newer = cluster;
    this.newest = cluster;
    if (this.oldest === null) this.oldest = cluster;
  }

  private unlink(cluster: Cluster): void {
    if (cluster.newer !== null) cluster.newer.older = cluster.older;
    else if (this.newest === cluster) this.newest = cluster.older;
    if (cluster.older !== null) cluster.older.newer = cluster.newer;
    else if (this.oldest === cluster) this.oldest = cluster.newer;
    cluster.newer = null;
    cluster.older = null;
  }
}

/** Raised by {@link TemplateMiner.fromJSON} on a state it cannot restore. */
export class TemplateMinerStateError extends Error {
  override name = 'TemplateMinerStateError';

  constructor(reason: string) {
    super(`invalid template miner state: ${reason}`);
  }
}

function checkClusterState(s: ClusterState, maxClusters: number): void {
  const n = s.tokens.length;
  const consistent =
    s.slots.length === n &&
    s.glue.length === n + 1 &&
    s.slots.every((slot) => Number.isInteger(slot) && slot >= Slot.Word && slot <= Slot.WildAny) &&
    Number.isInteger(s.index) &&
    s.index >= 0 &&
    s.index < maxClusters &&
    typeof s.id === 'string';
  if (!consistent) throw new TemplateMinerStateError(`cluster ${String(s.index)} is malformed`);
}

function validate(options: Required<TemplateMinerOptions>): Required<TemplateMinerOptions> {
  const { depth, similarity, maxChildren, maxClusters, variants } = options;
  const integer = (name: string, value: number, least: number): void => {
    if (!Number.isInteger(value) || value < least) {
      throw new RangeError(`${name} must be an integer >= ${least}, got ${value}`);
    }
  };
  integer('depth', depth, 3);
  integer('maxChildren', maxChildren, 2);
  integer('maxClusters', maxClusters, 1);
  integer('variants', variants, 2);
  if (!(similarity >= 0 && similarity <= 1))
    throw new RangeError(`similarity must be in [0, 1], got ${similarity}`);
  return { depth, similarity, maxChildren, maxClusters, variants };
}

function toMatch(
  cluster: Cluster,
  buffer: TokenBuffer,
  message: string,
  created: boolean,
  merged: readonly number[],
): TemplateMatch {
  const { index, id } = cluster;
  return {
    index,
    id,
    template: templateText(cluster),
    params: paramsOf(cluster, buffer, message),
    created,
    merged,
  };
}
