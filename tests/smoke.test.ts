import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';

it('has the migrated tables', async () => {
  const { results } = await env.DB.prepare("select name from sqlite_master where type='table' order by name").all<{ name: string }>();
  expect(results.map((r) => r.name)).toContain('health_checks');
});
