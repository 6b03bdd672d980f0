import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../index';
import { deploymentProblem } from '../../http/settings';
import { registerFleet } from '../runs/helpers';

/** The orchestrator's own handlers, with production vars laid over the test bindings. */
function productionEnv(publicUrl: string): Env {
  return { ...env, ENVIRONMENT: 'production', PUBLIC_URL: publicUrl } as Env;
}

async function fetchWith(testEnv: Env, path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`https://orchestrator.example${path}`) as Request<unknown, IncomingRequestCfProperties>, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('PUBLIC_URL in production', () => {
  it.each([
    ['unset', '', /PUBLIC_URL is not set/],
    ['not a URL', 'worker-health.example', /PUBLIC_URL is not a URL/],
    ['plain http', 'http://worker-health.example.workers.dev', /must be an https URL/],
  ])('%s: every route answers 503 with the reason and the fix', async (_case, publicUrl, reason) => {
    for (const path of ['/health', '/graphql', '/']) {
      const response = await fetchWith(productionEnv(publicUrl), path);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; errors: { message: string; extensions: { code: string } }[] };
      expect(body.status).toBe('fail');
      expect(body.errors[0]!.message).toMatch(reason);
      expect(body.errors[0]!.message).toMatch(/\[env\.production\.vars\] PUBLIC_URL/);
      expect(body.errors[0]!.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    }
  });

  it('an https PUBLIC_URL serves', async () => {
    const response = await fetchWith(productionEnv('https://worker-health.example.workers.dev'), '/health');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe('pass');
  });

  it('development accepts a localhost http PUBLIC_URL', () => {
    expect(deploymentProblem({ ENVIRONMENT: 'development', PUBLIC_URL: 'http://localhost:8787' })).toBeNull();
  });

  it('a misconfigured cron tick starts no run; the same tick configured starts one', async () => {
    await registerFleet();
    await env.DB.prepare("INSERT INTO health_check_schedules (name, cron_expression, enabled) VALUES ('every-minute', '* * * * *', 1)").run();
    const runs = async () => (await env.DB.prepare('SELECT COUNT(*) AS runs FROM health_checks').first<{ runs: number }>())!.runs;
    const tick = async (testEnv: Env) => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: new Date('2026-12-01T10:00:00Z'), cron: '* * * * *' }), testEnv, ctx);
      await waitOnExecutionContext(ctx);
    };
    const before = await runs();
    await tick(productionEnv(''));
    expect(await runs()).toBe(before);
    await tick(productionEnv('https://worker-health.example.workers.dev'));
    expect(await runs()).toBe(before + 1);
  });
});
