/**
 * The orchestrator's own health, as the IETF health-check draft (application/health+json):
 * `pass` when D1 answers quickly, `warn` when it answers slowly, `fail` (503) when it does not.
 */
const SLOW_D1_MS = 1_000;

export async function healthResponse(env: Env): Promise<Response> {
  const started = Date.now();
  let d1: { status: 'pass' | 'warn' | 'fail'; observedValue?: number; output?: string };
  try {
    await env.DB.prepare('SELECT 1').first();
    const elapsed = Date.now() - started;
    d1 = { status: elapsed > SLOW_D1_MS ? 'warn' : 'pass', observedValue: elapsed };
  } catch (error) {
    d1 = { status: 'fail', output: error instanceof Error ? error.message : String(error) };
  }
  const body = {
    status: d1.status,
    serviceId: 'worker-health',
    description: 'worker-health orchestrator',
    checks: {
      'd1:responseTime': [
        { componentId: 'DB', componentType: 'datastore', observedUnit: 'ms', time: new Date().toISOString(), ...d1 },
      ],
    },
  };
  return new Response(JSON.stringify(body), {
    status: d1.status === 'fail' ? 503 : 200,
    headers: { 'content-type': 'application/health+json', 'cache-control': 'no-store' },
  });
}
