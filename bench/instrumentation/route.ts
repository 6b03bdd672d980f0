/**
 * The bench's own routes (`npm run bench`, BENCHMARKS.md), answered only when BENCH_COUNT_D1 is
 * "true" (only the bench's `wrangler dev` sets it); any other deployment never reaches them.
 *
 * - `GET /__bench/d1` → `{ statements, calls, batches }` counted so far (counting-d1.ts);
 *   `POST /__bench/d1/reset` sets them to 0.
 * - `GET /__bench/run/<uuid>` → a run's status and counters and its worker rows by status, read
 *   from the raw binding so watching a run adds nothing to the statement count.
 * - `GET /__bench/history-sql?first=20` → row 4's baseline: the same page as the GraphQL
 *   `healthChecks(first: 20) { … workerResults { … } }` query, by two hand-written SQL statements
 *   and JSON.stringify, in this same Worker.
 */
import { countingEnabled, d1Counts, rawD1, resetD1Counts } from './counting-d1';

type BenchEnv = { DB: D1Database; BENCH_COUNT_D1?: string | undefined };

export async function benchRoute(url: URL, request: Request, env: BenchEnv): Promise<Response | null> {
  if (!countingEnabled(env) || !url.pathname.startsWith('/__bench/')) return null;
  const db = rawD1(env.DB);
  if (url.pathname === '/__bench/d1') return Response.json(d1Counts());
  if (url.pathname === '/__bench/d1/reset' && request.method === 'POST') {
    resetD1Counts();
    return Response.json(d1Counts());
  }
  const run = /^\/__bench\/run\/([0-9a-f-]{36})$/.exec(url.pathname);
  if (run) return Response.json(await runState(db, run[1]!));
  if (url.pathname === '/__bench/history-sql') {
    const first = Math.min(100, Math.max(1, Number(url.searchParams.get('first') ?? 20)));
    return new Response(JSON.stringify(await historyPage(db, first)), { headers: { 'content-type': 'application/json' } });
  }
  return Response.json({ error: `No bench route ${url.pathname}` }, { status: 404 });
}

async function runState(db: D1Database, uuid: string) {
  const [run, rows] = await db.batch([
    db
      .prepare('SELECT status, total_workers, completed_workers, passed_workers, failed_workers, completed_at FROM health_checks WHERE health_check_uuid = ?')
      .bind(uuid),
    db.prepare('SELECT status, count(*) AS n FROM worker_health_checks WHERE health_check_uuid = ? GROUP BY status').bind(uuid),
  ]);
  const head = (run!.results[0] ?? null) as Record<string, unknown> | null;
  const byStatus = Object.fromEntries((rows!.results as { status: string; n: number }[]).map((row) => [row.status, row.n]));
  return head && {
    status: head.status,
    totalWorkers: head.total_workers,
    completedWorkers: head.completed_workers,
    passedWorkers: head.passed_workers,
    failedWorkers: head.failed_workers,
    completedAt: head.completed_at,
    rows: byStatus,
  };
}

const HEALTH_THRESHOLDS: [number, string][] = [
  [0.9, 'HEALTHY'],
  [0.7, 'DEGRADED'],
  [0.4, 'UNHEALTHY'],
];

const healthStatus = (score: number | null) => (score === null ? null : (HEALTH_THRESHOLDS.find(([at]) => score >= at)?.[1] ?? 'CRITICAL'));
const iso = (value: unknown) => (typeof value === 'string' ? new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`).toISOString() : null);
const list = (value: unknown) => (typeof value === 'string' && value ? (JSON.parse(value) as unknown[]) : []);
const bool = (value: unknown) => (value === null || value === undefined ? null : Boolean(value));
const suite = (total: unknown, passed: unknown, failed: unknown, results: unknown) => ({
  total: total ?? 0,
  passed: passed ?? 0,
  failed: failed ?? 0,
  results: (list(results) as { name: string; status: string; durationMs: number; error?: string | null }[]).map((test) => ({
    name: test.name,
    status: test.status.toUpperCase(),
    durationMs: test.durationMs,
    error: test.error ?? null,
  })),
});

/** The history page by hand: the same fields as bench/lib/rows.ts's HISTORY_QUERY selects. */
async function historyPage(db: D1Database, first: number) {
  const runs = (
    await db
      .prepare(
        `SELECT id, health_check_uuid, trigger_type, trigger_source, status, total_workers, completed_workers, passed_workers,
                failed_workers, overall_health_score, ai_analysis, ai_recommendations, started_at, completed_at, timeout_at
         FROM health_checks ORDER BY id DESC LIMIT ?`,
      )
      .bind(first + 1)
      .all<Record<string, unknown>>()
  ).results;
  const page = runs.slice(0, first);
  const uuids = page.map((run) => run.health_check_uuid as string);
  const workers = uuids.length
    ? (
        await db
          .prepare(
            `SELECT health_check_uuid, worker_check_uuid, worker_name, worker_type, status, overall_status, health_score, uptime_seconds,
                    memory_usage_mb, cpu_usage_percent, response_time_ms, orchestrator_connectivity, external_api_connectivity,
                    database_connectivity, unit_tests_total, unit_tests_passed, unit_tests_failed, unit_test_results,
                    performance_tests_total, performance_tests_passed, performance_tests_failed, performance_test_results,
                    integration_tests_total, integration_tests_passed, integration_tests_failed, integration_test_results,
                    error_message, warnings, ai_worker_analysis, ai_worker_recommendations, requested_at, started_at, completed_at
             FROM worker_health_checks WHERE health_check_uuid IN (SELECT value FROM json_each(?)) ORDER BY id`,
          )
          .bind(JSON.stringify(uuids))
          .all<Record<string, unknown>>()
      ).results
    : [];
  const byRun = new Map<string, unknown[]>(uuids.map((uuid) => [uuid, []]));
  for (const row of workers) {
    byRun.get(row.health_check_uuid as string)!.push({
      uuid: row.worker_check_uuid,
      healthCheckUuid: row.health_check_uuid,
      workerName: row.worker_name,
      workerType: row.worker_type,
      status: String(row.status).toUpperCase(),
      healthStatus: row.overall_status ? String(row.overall_status).toUpperCase() : null,
      healthScore: row.health_score ?? 0,
      uptimeSeconds: row.uptime_seconds,
      memoryUsageMb: row.memory_usage_mb,
      cpuUsagePercent: row.cpu_usage_percent,
      responseTimeMs: row.response_time_ms,
      orchestratorConnectivity: Boolean(row.orchestrator_connectivity),
      externalApiConnectivity: bool(row.external_api_connectivity),
      databaseConnectivity: bool(row.database_connectivity),
      unitTests: suite(row.unit_tests_total, row.unit_tests_passed, row.unit_tests_failed, row.unit_test_results),
      performanceTests: suite(row.performance_tests_total, row.performance_tests_passed, row.performance_tests_failed, row.performance_test_results),
      integrationTests: suite(row.integration_tests_total, row.integration_tests_passed, row.integration_tests_failed, row.integration_test_results),
      errorMessage: row.error_message,
      warnings: list(row.warnings),
      aiWorkerAnalysis: row.ai_worker_analysis,
      aiWorkerRecommendations: list(row.ai_worker_recommendations),
      requestedAt: iso(row.requested_at),
      startedAt: iso(row.started_at),
      completedAt: iso(row.completed_at),
    });
  }
  const edges = page.map((run) => ({
    // The connection's cursor as the API writes it (drizzle connection, offset by id).
    cursor: btoa(`DC:N:${run.id}`),
    node: {
      uuid: run.health_check_uuid,
      triggerType: String(run.trigger_type).toUpperCase(),
      triggerSource: run.trigger_source,
      status: String(run.status).toUpperCase(),
      totalWorkers: run.total_workers,
      completedWorkers: run.completed_workers,
      passedWorkers: run.passed_workers,
      failedWorkers: run.failed_workers,
      overallHealthScore: run.overall_health_score,
      healthStatus: run.status === 'running' ? null : healthStatus(run.overall_health_score as number | null),
      aiAnalysis: run.ai_analysis,
      aiRecommendations: list(run.ai_recommendations),
      startedAt: iso(run.started_at),
      completedAt: iso(run.completed_at),
      timeoutAt: iso(run.timeout_at),
      workerResults: byRun.get(run.health_check_uuid as string),
    },
  }));
  return { data: { healthChecks: { edges, pageInfo: { hasNextPage: runs.length > first, endCursor: edges.at(-1)?.cursor ?? null } } } };
}
