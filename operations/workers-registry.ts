import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { deriveWorkerSecret } from '../sdk/src/signing';
import { workers, type WorkerRow } from '../db/workers';
import { cycleThrough } from '../domain/alerts/dependencies';
import { badInput, conflict, notFound, parseInput } from './errors';
import { parseStringList } from './json-columns';
import { serviceBinding } from './service-binding';

/** Binding names as wrangler allows them: an identifier, by convention upper snake case. */
const BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const WORKER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

function asUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

const httpsUrl = z
  .string()
  .refine((value) => asUrl(value) !== null, 'url must be an absolute URL')
  .refine((value) => {
    const url = asUrl(value);
    // Plain http only for this machine's own wrangler dev servers.
    return !url || url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname));
  }, 'url must use https (http only for localhost)')
  .refine((value) => {
    const url = asUrl(value);
    return !url || (!url.search && !url.hash);
  }, 'url must not carry a query or fragment');

const reachSchema = z
  .object({ binding: z.string().regex(BINDING_NAME, 'binding must be a binding name such as AGENT_FACTORY').nullish(), url: httpsUrl.nullish() })
  .refine((value) => (value.binding ? 1 : 0) + (value.url ? 1 : 0) === 1, 'give exactly one of binding or url');

/** The workers a worker depends on, by name (dependency-aware alert suppression). */
const dependsOnSchema = z
  .array(z.string().regex(WORKER_NAME, 'dependsOn must name workers: lower-case letters, digits and "-"'))
  .max(50, 'dependsOn names at most 50 workers');

export const registerWorkerInput = z
  .object({
    name: z.string().regex(WORKER_NAME, 'name must be lower-case letters, digits and "-", up to 63 characters'),
    type: z.string().trim().min(1, 'type must not be empty').max(64, 'type is at most 64 characters'),
    enabled: z.boolean().default(true),
    dependsOn: dependsOnSchema.nullish(),
  })
  .and(reachSchema);
export type RegisterWorkerInput = z.input<typeof registerWorkerInput>;

export interface UpdateWorkerInput {
  type?: string | null;
  enabled?: boolean | null;
  binding?: string | null;
  url?: string | null;
  /** Replaces the list; [] clears it. */
  dependsOn?: string[] | null;
}

/**
 * Checks a worker's dependencies against the registry: each a registered worker, not itself, and
 * no cycle (a → b → a) once they are set. Answers them without repeats, in the order given.
 */
async function checkDependencies(db: Db, name: string, dependsOn: readonly string[]): Promise<string[]> {
  const unique = [...new Set(dependsOn)];
  if (unique.length === 0) return unique;
  if (unique.includes(name)) throw badInput(`A worker cannot depend on itself: take "${name}" out of dependsOn.`);
  const registry = await db.query.workers.findMany({ columns: { name: true, dependsOn: true }, orderBy: { name: 'asc' } });
  const unknown = unique.filter((dependency) => !registry.some((worker) => worker.name === dependency));
  if (unknown.length) {
    throw badInput(
      `dependsOn ${unknown.map((dependency) => `"${dependency}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not registered: register ${unknown.length === 1 ? 'it' : 'them'} first. Registered workers: ${registry.map((worker) => worker.name).join(', ') || 'none'}.`,
      { unknownWorkers: unknown },
    );
  }
  const graph = new Map(registry.map((worker) => [worker.name, parseStringList(worker.dependsOn)]));
  const cycle = cycleThrough(graph, name, unique);
  if (cycle) throw badInput(`dependsOn would make a dependency cycle: ${cycle.join(' → ')}.`, { cycle });
  return unique;
}

/** A binding must exist on the orchestrator, or dispatches to it could never arrive. */
function assertBindingExists(env: Env, binding: string | null | undefined) {
  if (!binding) return;
  if (!serviceBinding(env, binding)) {
    throw badInput(`The orchestrator has no service binding named ${binding}: add it to wrangler.toml [[services]] first.`);
  }
}

/**
 * A registered worker's signing secret, derived from HEALTH_CHECK_SIGNING_KEY and its name (nothing
 * is stored). NOT_FOUND until the worker is registered, so a typo cannot mint a secret.
 */
export async function workerSigningSecret(db: Db, env: Env, name: string): Promise<string> {
  const worker = await db.query.workers.findFirst({ columns: { name: true }, where: { name } });
  if (!worker) throw notFound(`No worker named "${name}": register it first (registerWorker), then ask for its secret.`);
  return deriveWorkerSecret(env.HEALTH_CHECK_SIGNING_KEY, name);
}

export async function registerWorker(db: Db, env: Env, input: RegisterWorkerInput): Promise<WorkerRow> {
  const data = parseInput(registerWorkerInput, input);
  assertBindingExists(env, data.binding);
  const dependsOn = await checkDependencies(db, data.name, data.dependsOn ?? []);
  const [row] = await db
    .insert(workers)
    .values({ name: data.name, type: data.type, enabled: data.enabled, binding: data.binding ?? null, url: data.url ?? null, dependsOn: JSON.stringify(dependsOn) })
    .onConflictDoNothing({ target: workers.name })
    .returning();
  if (!row) throw conflict(`A worker named "${data.name}" is already registered.`);
  return row;
}

export async function updateWorker(db: Db, env: Env, name: string, input: UpdateWorkerInput): Promise<WorkerRow> {
  const existing = await db.query.workers.findFirst({ where: { name } });
  if (!existing) throw notFound(`No worker named "${name}".`);
  // Changing how it is reached replaces both fields, so a worker is never reached two ways.
  const reach =
    input.binding !== undefined || input.url !== undefined
      ? parseInput(reachSchema, { binding: input.binding ?? null, url: input.url ?? null })
      : { binding: existing.binding, url: existing.url };
  assertBindingExists(env, reach.binding);
  const type = input.type == null ? existing.type : parseInput(z.string().trim().min(1, 'type must not be empty').max(64), input.type);
  const dependsOn = input.dependsOn == null ? undefined : await checkDependencies(db, name, parseInput(dependsOnSchema, input.dependsOn));
  const [row] = await db
    .update(workers)
    .set({
      type,
      ...(dependsOn ? { dependsOn: JSON.stringify(dependsOn) } : {}),
      enabled: input.enabled ?? existing.enabled,
      binding: reach.binding ?? null,
      url: reach.url ?? null,
      updatedAt: sql`CURRENT_TIMESTAMP`,
    })
    .where(eq(workers.name, name))
    .returning();
  if (!row) throw notFound(`No worker named "${name}".`);
  return row;
}

/**
 * Removes a worker from the registry; its past results stay in the history. Workers that depended
 * on it no longer do (in the same batch), so dependsOn only ever names registered workers.
 */
export async function removeWorker(db: Db, name: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.delete(workers).where(eq(workers.name, name)).returning({ id: workers.id }),
    db
      .update(workers)
      .set({ dependsOn: sql`(SELECT json_group_array(value) FROM json_each(${workers.dependsOn}) WHERE value <> ${name})`, updatedAt: sql`CURRENT_TIMESTAMP` })
      .where(sql`EXISTS (SELECT 1 FROM json_each(${workers.dependsOn}) WHERE value = ${name})`),
  ]);
  if (deleted.length === 0) throw notFound(`No worker named "${name}".`);
  return true;
}

/**
 * The enabled workers a run checks. Filters match names or types; a filter that matches no
 * enabled worker is an error naming the known ones, so a typo never silently checks nothing.
 */
export async function selectWorkers(db: Db, filters: readonly string[] | null | undefined): Promise<WorkerRow[]> {
  const enabled = await db.query.workers.findMany({ where: { enabled: true }, orderBy: { name: 'asc' } });
  if (!filters || filters.length === 0) return enabled;
  const unknown = filters.filter((filter) => !enabled.some((worker) => worker.name === filter || worker.type === filter));
  if (unknown.length) {
    const known = enabled.map((worker) => `${worker.name} (${worker.type})`).join(', ') || 'none';
    throw badInput(`No enabled worker matches ${unknown.map((f) => `"${f}"`).join(', ')}. Known workers: ${known}.`, {
      unknownFilters: unknown,
    });
  }
  return enabled.filter((worker) => filters.includes(worker.name) || filters.includes(worker.type));
}
