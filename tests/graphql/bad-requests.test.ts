import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ARMOR_LIMITS } from '../../http/armor';
import { serveGraphQL } from '../../http/serve';
import { buildYoga } from '../../http/yoga';
import { seedRun } from '../helpers/fixtures';
import { ADMIN_KEY, codes, gql, withExecutionContext } from '../helpers/graphql';

const post = (body: string, headers: Record<string, string> = {}) =>
  exports.default.fetch('http://orchestrator/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, ...headers },
    body,
  });

async function stillServes() {
  const response = await gql('{ healthChecks(first: 1) { totalCount } }');
  expect(response.errors).toBeUndefined();
}

describe('bad requests', () => {
  it('answers malformed JSON with 400 and keeps serving', async () => {
    const response = await post('{"query": "{ workers { name } }"');
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.errors[0].message).toMatch(/JSON/i);
    await stillServes();
  });

  it('answers a wrong content type with a 4xx', async () => {
    const response = await post('query=%7Bworkers%7Bname%7D%7D', { 'content-type': 'text/plain' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    await stillServes();
  });

  it('answers an unknown field with BAD_USER_INPUT naming it', async () => {
    const response = await gql('{ workers { name favouriteColour } }');
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(/favouriteColour/);
  });

  it('answers a syntax error with BAD_USER_INPUT', async () => {
    const response = await gql('{ workers { name ');
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an alias bomb cheaply', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: healthChecks(first: 1) { totalCount }`).join(' ');
    const response = await gql(`{ ${aliases} }`);
    expect(response.data ?? null).toBeNull();
    expect(codes(response).every((code) => code === 'BAD_USER_INPUT')).toBe(true);
    expect(response.errors!.length).toBeGreaterThan(0);
  });

  it('refuses a depth bomb', async () => {
    await seedRun({}, [{}]);
    let inner = 'uuid';
    for (let i = 0; i < 8; i++) inner = `healthCheck { workerResults { ${inner} } }`;
    const response = await gql(`{ healthChecks(first: 1) { edges { node { workerResults { ${inner} } } } } }`);
    expect(response.data ?? null).toBeNull();
    expect(codes(response)).toContain('BAD_USER_INPUT');
    expect(response.errors!.map((error) => error.message).join(' ')).toMatch(/depth/i);
  });

  it('lets the deepest real query through', async () => {
    await seedRun({}, [{}]);
    const response = await gql(
      '{ healthChecks(first: 1) { edges { node { workerResults { unitTests { results { name } } healthCheck { uuid } } } } } }',
    );
    expect(response.errors).toBeUndefined();
    expect(ARMOR_LIMITS.maxDepth).toBeGreaterThanOrEqual(7);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const response = await post(JSON.stringify({ query: `{ workers { name } } # ${'x'.repeat(300 * 1024)}` }));
    expect(response.status).toBe(413);
  });

  it('refuses an oversized body sent without a Content-Length (chunked) with 413', async () => {
    const chunk = new TextEncoder().encode(`{"query":"{ workers { name } }","pad":"${'x'.repeat(64 * 1024)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await exports.default.fetch('http://orchestrator/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body,
    });
    expect(response.status).toBe(413);
    await stillServes();
  });

  it('has unknown paths answer 404 and / redirect to /graphql', async () => {
    expect((await exports.default.fetch('http://orchestrator/nope')).status).toBe(404);
    const root = await exports.default.fetch('http://orchestrator/', { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('http://orchestrator/graphql');
  });
});

describe('production settings', () => {
  const production = { ...env, ENVIRONMENT: 'production' } as unknown as Env;
  const request = (init: RequestInit & { url?: string }) =>
    withExecutionContext((ctx) =>
      serveGraphQL(new Request(init.url ?? 'http://orchestrator/graphql', init), production, ctx, buildYoga(production)),
    );

  it('turns introspection off', async () => {
    const response = await request({
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
    });
    const body = (await response.json()) as any;
    expect(body.errors[0].message).toMatch(/introspection/i);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('does not serve GraphiQL', async () => {
    const response = await request({ method: 'GET', headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
  });

  it('serves GraphiQL in development', async () => {
    const response = await exports.default.fetch('http://orchestrator/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('worker-health');
  });
});

describe('/health', () => {
  it('reports D1 reachability as application/health+json', async () => {
    const response = await exports.default.fetch('http://orchestrator/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/health+json');
    const body = (await response.json()) as any;
    expect(body.status).toBe('pass');
    expect(body.checks['d1:responseTime'][0]).toMatchObject({ componentId: 'DB', status: 'pass' });
  });
});
