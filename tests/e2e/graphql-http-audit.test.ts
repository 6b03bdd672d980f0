/**
 * The GraphQL-over-HTTP spec's own audit suite (`graphql-http`'s `serverAudits`) against the stack
 * `npm start` runs (wrangler dev, development settings): every MUST and every SHOULD passes. The
 * audits send the admin key, as every client must (README "Trust"); one audit per test, by id, so a
 * failure names the requirement. Production settings (introspection off) are audited in workerd:
 * tests/graphql/graphql-http-audit.test.ts.
 *
 * Beside them, what made four SHOULD audits fail before: the bundle wrangler builds held two
 * copies of graphql's GraphQLError (GraphQL Armor's parser import reached graphql's CommonJS
 * build), so syntax errors were masked as INTERNAL_SERVER_ERROR, over HTTP and over WebSocket.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serverAudits } from 'graphql-http';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from '../../scripts/dev-vars';
import { live, within } from '../subscriptions/live';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');

const withKey: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', `Bearer ${adminKey}`);
  return fetch(input, { ...init, headers });
};

const audits = serverAudits({ url: `${baseUrl}/graphql`, fetchFn: withKey });

describe('graphql-http server audits, development settings (wrangler dev)', () => {
  it('has the audits to run', () => {
    expect(audits.filter((audit) => audit.name.startsWith('MUST')).length).toBeGreaterThan(10);
  });

  it.each(audits.filter((audit) => !audit.name.startsWith('MAY')).map((audit) => [audit.id, audit.name, audit] as const))(
    '%s %s',
    async (_id, _name, audit) => {
      const result = await audit.fn();
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason} ${JSON.stringify(result.response)}`).toBe('ok');
    },
  );
});

describe('syntax errors from the real bundle', () => {
  it.each([
    ['application/graphql-response+json', 400],
    ['application/json', 200],
  ])('are BAD_USER_INPUT with their location over HTTP (Accept: %s → %i)', async (accept, status) => {
    const response = await withKey(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query: '{' }),
    });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 2 }], extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' } }],
    });
  });

  it('are BAD_USER_INPUT with their location in a graphql-ws error message', async () => {
    const client = live(adminKey, { url: `${baseUrl.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket });
    try {
      await within(client.connected, 'connection_ack');
      const refused = await within(client.subscribe('subscription { healthCheckUpdated { type }').failed, 'the error message');
      expect(refused).toEqual([
        { message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 43 }], extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' } },
      ]);
    } finally {
      await client.dispose();
    }
  });
});

describe('the bundle wrangler builds', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'worker-health-bundle-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each([[[] as string[]], [['--env', 'production']]])('holds one GraphQLError class (wrangler deploy --dry-run %j)', (args) => {
    const outdir = path.join(scratch, args.join('-') || 'top-level');
    const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', ...args, '--outdir', outdir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    });
    expect(result.status, result.stderr).toBe(0);
    const bundle = readFileSync(path.join(outdir, 'index.js'), 'utf8');
    expect(bundle.match(/class\s+_?GraphQLError\d*\s+extends\s+Error/g)).toHaveLength(1);
    // …and none of graphql's CommonJS modules.
    expect(bundle.match(/^\/\/ node_modules\/graphql\/.*\.js$/gm)).toBeNull();
  });
});
