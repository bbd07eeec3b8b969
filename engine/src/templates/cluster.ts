import { type TokenBuffer, TokenKind } from './tokenize.js';

/** The text that stands for a wildcard in templates. */
export const WILDCARD = '<*>';

/** What a template holds at one position. */
export const Slot = {
  /** A word, matched as written. */
  Word: 0,
  /** A value-looking word (digits, dotted name), kept until a message holds another value there. */
  ValueWord: 1,
  /** A wildcard for values (tokens with digits, dotted names, masked values), not for plain words. */
  WildValue: 2,
  /** A wildcard for anything: several distinct words were seen there. */
  WildAny: 3,
} as const;

/** A node of the prefix tree: children by leading word (or {@link WILDCARD}), clusters at the leaves. */
export interface TreeNode {
  parent: TreeNode | null;
  key: string;
  children: Map<string, TreeNode>;
  clusters: Cluster[];
  /** The clusters of {@link TreeNode.clusters} whose templates hold a {@link Slot.WildAny}. */
  general: Cluster[];
}

/** A new, empty tree node. */
export function treeNode(parent: TreeNode | null, key: string): TreeNode {
  return { parent, key, children: new Map(), clusters: [], general: [] };
}

/** One template and its bookkeeping. */
export interface Cluster {
  /** Creation order, for deterministic tie-breaks and merge targets. */
  seq: number;
  index: number;
  id: string;
  /** Template tokens, {@link WILDCARD} at wildcards. */
  tokens: string[];
  /** A {@link Slot} per token. */
  slots: Uint8Array;
  /** Text before each token and after the last, from the message that created the cluster. */
  glue: string[];
  count: number;
  /** Cached template text. */
  text: string | null;
  leaf: TreeNode;
  /** Position in `leaf.clusters`. */
  leafSlot: number;
  /** Keys of the variant groups the cluster belongs to. */
  variantKeys: string[];
  /** Neighbours in the least-recently-matched list. */
  newer: Cluster | null;
  older: Cluster | null;
}

/** A node that holds nothing, for clusters not (yet) in a tree. */
export const UNPLACED: TreeNode = treeNode(null, '');

/** The slot a fresh template gets for a token of this kind. */
export function slotOf(kind: number): number {
  if (kind === TokenKind.Literal) return Slot.Word;
  return kind === TokenKind.Variable ? Slot.ValueWord : Slot.WildValue;
}

/** Builds an unplaced cluster from a tokenized message. */
export function createCluster(buffer: TokenBuffer, message: string, seq: number, index: number): Cluster {
  const { starts, ends, kinds, count } = buffer;
  const tokens: string[] = new Array(count);
  const slots = new Uint8Array(count);
  const glue: string[] = new Array(count + 1);
  let previousEnd = 0;
  for (let i = 0; i < count; i++) {
    glue[i] = message.slice(previousEnd, starts[i]);
    slots[i] = slotOf(kinds[i]);
    tokens[i] = slots[i] === Slot.WildValue ? WILDCARD : message.slice(starts[i], ends[i]);
    previousEnd = ends[i];
  }
  glue[count] = message.slice(previousEnd);
  return {
    seq,
    index,
    id: '',
    tokens,
    slots,
    glue,
    count: 1,
    text: null,
    leaf: UNPLACED,
    leafSlot: -1,
    variantKeys: [],
    newer: null,
    older: null,
  };
}

/** Whether a template holds a wildcard for anything (then it is found by a tree walk, not by its shape). */
export function isGeneral(cluster: Cluster): boolean {
  return cluster.slots.includes(Slot.WildAny);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;
const TOKEN_MARK = 0x1f;
const VALUE_MARK = 0x1e;

/**
 * Hash of a message's shape: its plain words, and a mark for each value. A message fits a template without
 * {@link Slot.WildAny} exactly when their shapes are equal, so such templates are found by this hash.
 */
export function lineShape(buffer: TokenBuffer, message: string): number {
  const { starts, ends, kinds, count } = buffer;
  let h = FNV_OFFSET ^ count;
  for (let i = 0; i < count; i++) {
    h = Math.imul(h ^ TOKEN_MARK, FNV_PRIME);
    if (kinds[i] !== TokenKind.Literal) h = Math.imul(h ^ VALUE_MARK, FNV_PRIME);
    else for (let k = starts[i]; k < ends[i]; k++) h = Math.imul(h ^ message.charCodeAt(k), FNV_PRIME);
  }
  return h;
}

/** {@link lineShape} of the messages a template without {@link Slot.WildAny} fits. */
export function clusterShape(cluster: Cluster): number {
  const { tokens, slots } = cluster;
  let h = FNV_OFFSET ^ tokens.length;
  for (let i = 0; i < tokens.length; i++) {
    h = Math.imul(h ^ TOKEN_MARK, FNV_PRIME);
    if (slots[i] !== Slot.Word) h = Math.imul(h ^ VALUE_MARK, FNV_PRIME);
    else {
      const token = tokens[i];
      for (let k = 0; k < token.length; k++) h = Math.imul(h ^ token.charCodeAt(k), FNV_PRIME);
    }
  }
  return h;
}

/**
 * Whether a tokenized message fits a template: the same word wherever it has a word, a value (not a plain
 * word) wherever it has a value word or value wildcard. Returns the number of word positions, or -1.
 */
export function fits(cluster: Cluster, buffer: TokenBuffer, message: string): number {
  const { tokens, slots } = cluster;
  const { starts, ends, kinds } = buffer;
  let words = 0;
  for (let i = 0; i < tokens.length; i++) {
    const slot = slots[i];
    if (slot === Slot.WildAny) continue;
    if (slot === Slot.Word) {
      if (kinds[i] !== TokenKind.Literal || !sameText(tokens[i], message, starts[i], ends[i])) return -1;
      words++;
    } else if (kinds[i] === TokenKind.Literal) return -1;
  }
  return words;
}

/** Words compared and words equal between a template and a message, as {@link compareWords} reports them. */
export interface WordComparison {
  compared: number;
  equal: number;
}

/**
 * Compares the plain words of a template and a message of the same length: positions where either holds a
 * word count as compared, and as equal when both hold the same word. Wildcards for anything are skipped. Stops
 * early, with `compared` set to 0, once more than `maxMismatches` positions differ.
 */
export function compareWords(
  cluster: Cluster,
  buffer: TokenBuffer,
  message: string,
  maxMismatches: number,
  out: WordComparison,
): void {
  const { tokens, slots } = cluster;
  const { starts, ends, kinds } = buffer;
  let compared = 0;
  let equal = 0;
  for (let i = 0; i < tokens.length; i++) {
    const slot = slots[i];
    if (slot === Slot.WildAny) continue;
    const literal = kinds[i] === TokenKind.Literal;
    if (slot !== Slot.Word && !literal) continue;
    compared++;
    if (slot === Slot.Word && literal && sameText(tokens[i], message, starts[i], ends[i])) equal++;
    else if (compared - equal > maxMismatches) {
      out.compared = 0;
      out.equal = 0;
      return;
    }
  }
  out.compared = compared;
  out.equal = equal;
}

/**
 * Key of the variant group of a message and its closest cluster: the cluster's length and words, with the
 * positions where the message does not fit blanked, so that messages differing at the same positions share it.
 */
export function variantKey(cluster: Cluster, buffer: TokenBuffer, message: string): string {
  const { tokens, slots } = cluster;
  const { starts, ends, kinds } = buffer;
  let key = String(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const slot = slots[i];
    const literal = kinds[i] === TokenKind.Literal;
    if (slot === Slot.WildAny) key += '\u0001\u0003';
    else if (slot === Slot.Word) {
      key +=
        literal && sameText(tokens[i], message, starts[i], ends[i]) ? `\u0001${tokens[i]}` : '\u0001\u0000';
    } else key += literal ? '\u0001\u0000' : '\u0001\u0002';
  }
  return key;
}

/** Turns value words that differ from the message's values into value wildcards. */
export function generalizeValues(cluster: Cluster, buffer: TokenBuffer, message: string): void {
  const { tokens, slots } = cluster;
  const { starts, ends, kinds } = buffer;
  for (let i = 0; i < tokens.length; i++) {
    if (slots[i] !== Slot.ValueWord) continue;
    if (kinds[i] === TokenKind.Masked || !sameText(tokens[i], message, starts[i], ends[i])) {
      tokens[i] = WILDCARD;
      slots[i] = Slot.WildValue;
      cluster.text = null;
    }
  }
}

/** Widens position `i` of a template so that it also covers `text` held in slot `slot`. */
export function widen(cluster: Cluster, i: number, text: string, slot: number): void {
  const current = cluster.slots[i];
  if (current === Slot.WildAny || (current === slot && cluster.tokens[i] === text)) return;
  const bothValues = current !== Slot.Word && slot !== Slot.Word && slot !== Slot.WildAny;
  cluster.slots[i] = bothValues ? Slot.WildValue : Slot.WildAny;
  cluster.tokens[i] = WILDCARD;
  cluster.text = null;
}

/** The template text: glue and tokens, wildcards as {@link WILDCARD}. */
export function templateText(cluster: Cluster): string {
  if (cluster.text !== null) return cluster.text;
  let text = cluster.glue[0];
  for (let i = 0; i < cluster.tokens.length; i++) text += cluster.tokens[i] + cluster.glue[i + 1];
  cluster.text = text;
  return text;
}

/** The message's values at the template's wildcards. */
export function paramsOf(cluster: Cluster, buffer: TokenBuffer, message: string): string[] {
  const params: string[] = [];
  for (let i = 0; i < cluster.tokens.length; i++) {
    if (cluster.slots[i] >= Slot.WildValue) params.push(message.slice(buffer.starts[i], buffer.ends[i]));
  }
  return params;
}

function sameText(token: string, message: string, start: number, end: number): boolean {
  const length = token.length;
  if (length !== end - start) return false;
  for (let k = 0; k < length; k++) if (token.charCodeAt(k) !== message.charCodeAt(start + k)) return false;
  return true;
}

/** A 53-bit hash (cyrb53) of a template, as 14 hex digits: the basis of stable template ids. */
export function hashId(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}
