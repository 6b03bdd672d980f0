/**
 * `npm run check:layers` (part of `npm test`): fails when a lower layer imports a higher one.
 *
 * The orchestrator's folders form a stack, each importing only from the ones below it:
 *
 *   index.ts > compose/ > http/, entrypoints/ > schema/ > durable/ > operations/ > domain/ > db/ > sdk/
 *
 * durable/ holds the Durable Objects and the adapters to their bindings, which implement the
 * interfaces operations/ declares (operations/deps.ts), so operations never reach for a binding.
 * The packages stand apart: sdk/ imports only itself (a downstream Worker installs it alone),
 * fleet/ only the SDK and itself (the demo fleet is "a team using the SDK"), client/ only itself.
 * Tests, scripts and benchmarks may import anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Rank of each orchestrator layer: a file may import its own layer or lower ones. */
const ORCHESTRATOR_RANKS: Record<string, number> = {
  sdk: 0,
  db: 1,
  domain: 2,
  operations: 3,
  durable: 4,
  schema: 5,
  http: 6,
  entrypoints: 6,
  compose: 7,
  'index.ts': 8,
};

/** Folders that are packages of their own: what each may import besides itself. */
const PACKAGES: Record<string, readonly string[]> = {
  sdk: [],
  fleet: ['sdk'],
  client: [],
  dashboard: ['client'],
};

/** Folders with no rule: they exercise or drive the system from outside. */
const FREE = new Set(['tests', 'scripts', 'bench', 'node_modules', 'docs', 'migrations']);

function layerOf(relativePath: string): string {
  return relativePath.split('/')[0]!;
}

/** Why `from` may not import `to` (both repo-relative), or null when it may. */
export function violation(from: string, to: string): string | null {
  const source = layerOf(from);
  const target = layerOf(to);
  if (source === target || FREE.has(source)) return null;
  if (source in PACKAGES) {
    return PACKAGES[source]!.includes(target) ? null : `${source}/ is a package of its own and may not import ${target}/`;
  }
  const sourceRank = ORCHESTRATOR_RANKS[source];
  const targetRank = ORCHESTRATOR_RANKS[target];
  if (sourceRank === undefined) return null; // configuration files at the root (vitest, codegen, drizzle)
  if (targetRank === undefined) return `${source}/ may not import ${target}/ (not part of the orchestrator)`;
  if (targetRank > sourceRank) return `${source}/ is below ${target}/ and may not import it`;
  if (targetRank === sourceRank) return `${source}/ and ${target}/ are siblings and may not import each other`;
  return null;
}

// The checker checks itself first, so a broken rule cannot pass the tree silently.
for (const [from, to, allowed] of [
  ['operations/initiate.ts', 'durable/run-control.ts', false],
  ['domain/scoring.ts', 'operations/errors.ts', false],
  ['sdk/src/index.ts', 'operations/errors.ts', false],
  ['fleet/ui-factory/index.ts', 'operations/errors.ts', false],
  ['http/yoga.ts', 'entrypoints/health-check-ops.ts', false],
  ['schema/worker.ts', 'operations/workers-registry.ts', true],
  ['fleet/ui-factory/index.ts', 'sdk/src/index.ts', true],
  ['tests/runs/helpers.ts', 'durable/run-control.ts', true],
] as const) {
  if ((violation(from, to) === null) !== allowed) throw new Error(`check-layers: the rule for ${from} -> ${to} is wrong`);
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function* sourceFiles(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|tsx|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) yield full;
  }
}

const problems: string[] = [];
let checked = 0;
for (const file of sourceFiles(ROOT)) {
  const from = path.relative(ROOT, file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2]!;
    const to = path.relative(ROOT, path.resolve(path.dirname(file), specifier));
    checked++;
    const why = violation(from, to);
    if (why) problems.push(`${from} imports ${specifier}: ${why}`);
  }
}

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} import(s) against the layering (scripts/check-layers.ts):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-layers: ${checked} relative imports, all one way`);
