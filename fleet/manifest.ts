/**
 * The demo fleet, once: who each worker is, how the orchestrator reaches it, and what it needs.
 * Everything that knows the fleet reads it from here: each worker's own identity (what it reports
 * as `workerName`/`workerType`), `npm start` (scripts/stack.ts: the wrangler configs, the
 * migrations and the registration), `.dev.vars` preparation (scripts/dev-vars.ts), the bundler
 * (fleet/build.mjs) and the tests (tests/setup/fleet-workers.ts, tests/runs/helpers.ts).
 *
 * Plain data with no imports, so it loads the same in a worker bundle, in workerd tests and in
 * Node (tsx, vitest's config).
 */

/** A service binding of the orchestrator's (wrangler.toml [[services]], generated into Env). */
type ServiceBinding = { [K in keyof Env]-?: NonNullable<Env[K]> extends Fetcher ? K : never }[keyof Env];

export interface FleetWorker {
  /** Its name everywhere: its directory under fleet/, its wrangler.toml `name`, its name in the registry. */
  readonly name: string;
  /**
   * What kind of worker it is: its `type` in the registry and the `workerType` it reports.
   * `workerFilters` match a name or a type, so a type is a category, not a second name.
   */
  readonly type: string;
  /** The orchestrator's service binding to it (wrangler.toml [[services]] binding). */
  readonly binding: ServiceBinding;
  /**
   * Its own D1 database, bound as `DB`, with migrations in fleet/<name>/migrations: `npm start`
   * applies them locally and the tests give it a database of its own.
   */
  readonly ownDatabase: boolean;
}

export const FLEET = [
  { name: 'agent-factory', type: 'agent', binding: 'AGENT_FACTORY', ownDatabase: false },
  { name: 'data-factory', type: 'data', binding: 'DATA_FACTORY', ownDatabase: true },
  { name: 'ui-factory', type: 'ui', binding: 'UI_FACTORY', ownDatabase: false },
] as const satisfies readonly FleetWorker[];

export type FleetWorkerName = (typeof FLEET)[number]['name'];

export function fleetWorker(name: FleetWorkerName): (typeof FLEET)[number] {
  const worker = FLEET.find((candidate) => candidate.name === name);
  if (!worker) throw new Error(`No worker named ${name} in fleet/manifest.ts.`);
  return worker;
}

/** What a worker reports itself as (the SDK's WorkerIdentity): the registry's name and type. */
export function fleetIdentity(name: FleetWorkerName): { workerName: string; workerType: string } {
  const { type } = fleetWorker(name);
  return { workerName: name, workerType: type };
}

/** The `registerWorker` input that registers it by its service binding. */
export function registration({ name, type, binding }: FleetWorker): { name: string; type: string; binding: string } {
  return { name, type, binding };
}

/** Its wrangler.toml, relative to the repository root. */
export function wranglerConfig({ name }: FleetWorker): string {
  return `fleet/${name}/wrangler.toml`;
}
