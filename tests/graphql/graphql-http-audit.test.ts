/**
 * `graphql-http`'s server audits with production settings (ENVIRONMENT = "production": GraphiQL and
 * introspection off), run in workerd against the server's own request handler, as
 * tests/graphql/bad-requests.test.ts does for production. Development settings are audited against
 * `wrangler dev` in tests/e2e/graphql-http-audit.test.ts, where every MUST and SHOULD passes.
 *
 * With introspection off only the audits whose probe is an introspection query fail: they are
 * listed by id in NEED_INTROSPECTION, each with its reason, and shown to pass with introspection on.
 */
import { env } from 'cloudflare:workers';
import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { serveGraphQL } from '../../http/serve';
import { buildYoga } from '../../http/yoga';
import { ADMIN_KEY, withExecutionContext } from '../helpers/graphql';

const production = { ...env, ENVIRONMENT: 'production', GRAPHIQL: '', INTROSPECTION: '' } as unknown as Env;

function auditsWith(settings: Env) {
  const yoga = buildYoga(settings);
  const fetchFn: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    request.headers.set('authorization', `Bearer ${ADMIN_KEY}`);
    return withExecutionContext((ctx) => serveGraphQL(request, settings, ctx, yoga));
  };
  return { fetchFn, audits: serverAudits({ url: 'http://orchestrator/graphql', fetchFn }).filter((audit) => !audit.name.startsWith('MAY')) };
}

/**
 * The audits that fail with introspection off, by id, and why: their probe is the introspection
 * query `query Type($name: String!) { __type(name: $name) { name } }` with map variables, which
 * production refuses (BAD_USER_INPUT "GraphQL introspection has been disabled…"), so the answer has
 * `errors` and, for graphql-response+json, status 400. Both pass once INTROSPECTION = "true".
 */
const NEED_INTROSPECTION: Record<string, string> = {
  '2EA1': 'SHOULD allow map {variables} parameter when accepting application/graphql-response+json: probes with a __type query',
  '28B9': 'MUST allow map {variables} parameter when accepting application/json: probes with a __type query',
};

describe('graphql-http server audits, production settings (introspection off)', () => {
  const { fetchFn, audits } = auditsWith(production);

  it('runs with introspection really off', async () => {
    const response = await fetchFn('http://orchestrator/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    expect(((await response.json()) as any).errors[0].message).toMatch(/introspection/i);
  });

  it.each(audits.filter((audit) => !(audit.id in NEED_INTROSPECTION)).map((audit) => [audit.id, audit.name, audit] as const))(
    'passes %s %s',
    async (_id, _name, audit) => {
      const result = await audit.fn();
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
    },
  );

  it.each(Object.entries(NEED_INTROSPECTION))('fails only for want of introspection: %s (%s)', async (id) => {
    const audit = audits.find((candidate) => candidate.id === id)!;
    expect(audit).toBeDefined();
    expect((await audit.fn()).status).not.toBe('ok');
    const withIntrospection = auditsWith({ ...production, INTROSPECTION: 'true' } as unknown as Env).audits.find((candidate) => candidate.id === id)!;
    expect(await withIntrospection.fn()).toMatchObject({ status: 'ok' });
  });
});
