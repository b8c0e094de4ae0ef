/** Dependency-graph helpers over step keys. Pure. */

export interface GraphNode {
  key: string;
  dependsOn: readonly string[];
}

/**
 * A dependency cycle as the list of keys along it (first key repeated at the end),
 * or null when the graph is acyclic. Unknown dependencies are ignored here.
 */
export function findCycle(nodes: readonly GraphNode[]): string[] | null {
  const deps = new Map(nodes.map((n) => [n.key, n.dependsOn] as const));
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const stack: string[] = [];
  const visit = (key: string): string[] | null => {
    state.set(key, 1);
    stack.push(key);
    for (const dep of deps.get(key) ?? []) {
      if (!deps.has(dep)) continue;
      const s = state.get(dep);
      if (s === 1) return [...stack.slice(stack.indexOf(dep)), dep];
      if (s === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(key, 2);
    return null;
  };
  for (const n of nodes) {
    if (!state.has(n.key)) {
      const found = visit(n.key);
      if (found) return found.reverse();
    }
  }
  return null;
}

/** Steps grouped by dependency level, each group in the input order. Assumes no cycle. */
export function waves(nodes: readonly GraphNode[]): string[][] {
  const byKey = new Map(nodes.map((n) => [n.key, n] as const));
  const level = new Map<string, number>();
  const levelOf = (key: string): number => {
    const known = level.get(key);
    if (known !== undefined) return known;
    level.set(key, 0); // guards against cycles introduced by bad data
    const node = byKey.get(key);
    let l = 0;
    for (const dep of node?.dependsOn ?? []) if (byKey.has(dep)) l = Math.max(l, levelOf(dep) + 1);
    level.set(key, l);
    return l;
  };
  const out: string[][] = [];
  for (const n of nodes) {
    const l = levelOf(n.key);
    (out[l] ??= []).push(n.key);
  }
  return out.filter(Boolean);
}

/** Keys no other step depends on: the plan's final steps, in input order. */
export function finalKeys(nodes: readonly GraphNode[]): string[] {
  const needed = new Set(nodes.flatMap((n) => n.dependsOn));
  return nodes.filter((n) => !needed.has(n.key)).map((n) => n.key);
}

/** Key → keys of the steps that depend on it directly. */
export function dependentsIndex(nodes: readonly GraphNode[]): Map<string, string[]> {
  const index = new Map<string, string[]>(nodes.map((n) => [n.key, []]));
  for (const n of nodes) for (const d of n.dependsOn) index.get(d)?.push(n.key);
  return index;
}

/** Keys of the steps that depend on `key`, directly or not, nearest first. O(steps + edges). */
export function dependentsOf(nodes: readonly GraphNode[], key: string, index = dependentsIndex(nodes)): string[] {
  const out: string[] = [];
  const seen = new Set([key]);
  for (let i = -1, at = key; ; at = out[++i]!) {
    for (const k of index.get(at) ?? []) if (!seen.has(k)) seen.add(k), out.push(k);
    if (i + 1 >= out.length) return out;
  }
}
