// The registry's dependency graph (`dependsOn`): pure helpers, safe on any graph (a cycle written
// around the registry's check cannot loop them).

export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/** Every worker `name` depends on, directly or further up, nearest first; never `name` itself. */
export function ancestorsOf(graph: DependencyGraph, name: string): string[] {
  const seen = new Set<string>([name]);
  const order: string[] = [];
  let frontier = [...(graph.get(name) ?? [])];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const dependency of frontier) {
      if (seen.has(dependency)) continue;
      seen.add(dependency);
      order.push(dependency);
      next.push(...(graph.get(dependency) ?? []));
    }
    frontier = next;
  }
  return order;
}

/**
 * A dependency cycle through `name` once its dependencies are `dependsOn` (the rest of the graph
 * as it is), as the path `name → … → name`; null when there is none.
 */
export function cycleThrough(graph: DependencyGraph, name: string, dependsOn: readonly string[]): string[] | null {
  const edges = (node: string) => (node === name ? dependsOn : (graph.get(node) ?? []));
  const visited = new Set<string>();
  const path: string[] = [name];
  const walk = (node: string): boolean => {
    for (const next of edges(node)) {
      if (next === name) {
        path.push(name);
        return true;
      }
      if (visited.has(next)) continue;
      visited.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  return walk(name) ? path : null;
}
