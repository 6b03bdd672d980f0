import { env } from 'cloudflare:workers';
import { createDb } from '../../db/client';
import { healthChecks } from '../../db/health-checks';
import { workerHealthChecks } from '../../db/worker-health-checks';
import { insertsWithinLimit } from '../../db/chunks';

type RunInsert = typeof healthChecks.$inferInsert;
type WorkerInsert = typeof workerHealthChecks.$inferInsert;

export const db = () => createDb(env.DB);

/** Writes a run and its worker results straight to D1, as the run pipeline would have. */
export async function seedRun(run: Partial<RunInsert> = {}, workers: Partial<WorkerInsert>[] = []) {
  const healthCheckUuid = run.healthCheckUuid ?? crypto.randomUUID();
  await db()
    .insert(healthChecks)
    .values({ triggerType: 'on_demand', triggerSource: 'test', totalWorkers: workers.length, ...run, healthCheckUuid });
  const rows = workers.map((worker, index) => ({
    workerCheckUuid: crypto.randomUUID(),
    workerName: `worker-${index}`,
    workerType: 'test',
    ...worker,
    healthCheckUuid,
  }));
  for (const insert of insertsWithinLimit(db(), workerHealthChecks, rows)) await insert;
  return healthCheckUuid;
}

export async function countRows(table: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}
