import { type Cluster, isGeneral, Slot, type TreeNode, treeNode, WILDCARD } from './cluster.js';
import { type TokenBuffer, TokenKind } from './tokenize.js';

/** Serialized tree node: children in insertion order, and the indices of the clusters of a leaf. */
export interface TreeNodeState {
  children: Array<[string, TreeNodeState]>;
  clusters: number[];
}

/**
 * Drain's fixed-depth prefix tree: the first level is the token count, the next `levels` levels the leading
 * tokens (words by their text, values and generalized positions under {@link WILDCARD}), and clusters sit at
 * the leaves.
 */
export class PrefixTree {
  readonly roots = new Map<number, TreeNode>();
  private readonly found: TreeNode[] = [];

  /**
   * @param levels - leading tokens that route a message.
   * @param maxChildren - most children of a node; further words share the wildcard child.
   */
  constructor(
    private readonly levels: number,
    private readonly maxChildren: number,
  ) {}

  /** Puts a cluster in the leaf its template leads to, creating the path. */
  place(cluster: Cluster): void {
    const length = cluster.tokens.length;
    let root = this.roots.get(length);
    if (root === undefined) {
      root = treeNode(null, String(length));
      this.roots.set(length, root);
    }
    let node: TreeNode = root;
    const levels = Math.min(length, this.levels);
    for (let i = 0; i < levels; i++) {
      let key = cluster.slots[i] === Slot.Word ? cluster.tokens[i] : WILDCARD;
      let child = node.children.get(key);
      if (child === undefined && key !== WILDCARD && node.children.size >= this.maxChildren - 1) {
        key = WILDCARD;
        child = node.children.get(key);
      }
      if (child === undefined) {
        child = treeNode(node, key);
        node.children.set(key, child);
      }
      node = child;
    }
    cluster.leaf = node;
    cluster.leafSlot = node.clusters.length;
    node.clusters.push(cluster);
    if (isGeneral(cluster)) node.general.push(cluster);
  }

  /** Takes a cluster out of its leaf, pruning branches left empty. */
  detach(cluster: Cluster): void {
    let node: TreeNode | null = cluster.leaf;
    const last = node.clusters.pop();
    if (last !== undefined && last !== cluster) {
      node.clusters[cluster.leafSlot] = last;
      last.leafSlot = cluster.leafSlot;
    }
    const at = node.general.indexOf(cluster);
    if (at >= 0) node.general.splice(at, 1);
    cluster.leafSlot = -1;
    while (node !== null && node.clusters.length === 0 && node.children.size === 0) {
      const parent: TreeNode | null = node.parent;
      if (parent !== null) parent.children.delete(node.key);
      else if (this.roots.get(Number(node.key)) === node) this.roots.delete(Number(node.key));
      node = parent;
    }
  }

  /**
   * Leaves whose clusters a message may fit: at each level, the child for its word and the wildcard child.
   * The array is reused by the next call.
   */
  candidates(buffer: TokenBuffer, message: string): readonly TreeNode[] {
    this.found.length = 0;
    const root = this.roots.get(buffer.count);
    if (root !== undefined) this.collect(root, 0, Math.min(buffer.count, this.levels), -1, buffer, message);
    return this.found;
  }

  /**
   * Leaves of clusters that may be variants of a message: those of {@link PrefixTree.candidates} first, then
   * those reached by taking any other child at one level (a leading word that varies). The array is reused.
   */
  neighbours(buffer: TokenBuffer, message: string): readonly TreeNode[] {
    this.found.length = 0;
    const root = this.roots.get(buffer.count);
    if (root !== undefined) this.collect(root, 0, Math.min(buffer.count, this.levels), 0, buffer, message);
    return this.found;
  }

  /**
   * Walks the tree, the message's word and `<*>` first. With `strays` 0, one level may also take any other
   * child (1 once it has); with -1, none may.
   */
  private collect(
    node: TreeNode,
    level: number,
    levels: number,
    strays: number,
    buffer: TokenBuffer,
    message: string,
  ): void {
    if (level === levels) {
      if (node.clusters.length > 0) this.found.push(node);
      return;
    }
    const word = buffer.kinds[level] === TokenKind.Literal;
    const own = word ? message.slice(buffer.starts[level], buffer.ends[level]) : WILDCARD;
    const child = word ? node.children.get(own) : undefined;
    if (child !== undefined) this.collect(child, level + 1, levels, strays, buffer, message);
    const wild = node.children.get(WILDCARD);
    if (wild !== undefined) this.collect(wild, level + 1, levels, strays, buffer, message);
    if (strays !== 0) return;
    for (const [key, other] of node.children) {
      if (key !== WILDCARD && key !== own) this.collect(other, level + 1, levels, 1, buffer, message);
    }
  }

  /** The tree as plain JSON. */
  toState(): Array<[number, TreeNodeState]> {
    const roots: Array<[number, TreeNodeState]> = [];
    for (const [length, node] of this.roots) roots.push([length, nodeState(node)]);
    return roots;
  }

  /** Rebuilds the tree saved by {@link PrefixTree.toState}, placing the clusters found by index. */
  restore(roots: Array<[number, TreeNodeState]>, clusterAt: (index: number) => Cluster): void {
    const build = (state: TreeNodeState, parent: TreeNode | null, key: string): TreeNode => {
      const node = treeNode(parent, key);
      for (const [childKey, child] of state.children) {
        node.children.set(childKey, build(child, node, childKey));
      }
      for (const index of state.clusters) {
        const cluster = clusterAt(index);
        cluster.leaf = node;
        cluster.leafSlot = node.clusters.length;
        node.clusters.push(cluster);
        if (isGeneral(cluster)) node.general.push(cluster);
      }
      return node;
    };
    this.roots.clear();
    for (const [length, node] of roots) this.roots.set(length, build(node, null, String(length)));
  }
}

function nodeState(node: TreeNode): TreeNodeState {
  const children: Array<[string, TreeNodeState]> = [];
  for (const [key, child] of node.children) children.push([key, nodeState(child)]);
  return { children, clusters: node.clusters.map((c) => c.index) };
}
