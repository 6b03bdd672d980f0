import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { FLEET } from '../../fleet/manifest';
import { countRows } from '../helpers/fixtures';
import { codes, gql, keyFor } from '../helpers/graphql';
import { registerFleet } from './helpers';

const REGISTER = 'mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { name type binding url enabled } }';

describe('the worker registry', () => {
  it('registers, updates and removes workers', async () => {
    const created = await gql(REGISTER, { input: { name: 'agent-factory', type: 'agent', binding: 'AGENT_FACTORY' } });
    expect(created.data!.registerWorker).toEqual({ name: 'agent-factory', type: 'agent', binding: 'AGENT_FACTORY', url: null, enabled: true });

    const moved = await gql('mutation { updateWorker(name: "agent-factory", input: { url: "https://agents.example.com", enabled: false }) { binding url enabled } }');
    expect(moved.data!.updateWorker).toEqual({ binding: null, url: 'https://agents.example.com', enabled: false });

    expect((await gql('mutation { removeWorker(name: "agent-factory") }')).data).toEqual({ removeWorker: true });
    expect((await gql('{ workers { name } }')).data).toEqual({ workers: [] });
  });

  it.each([
    ['a bad name', { name: 'Agent Factory', type: 'agent', binding: 'AGENT_FACTORY' }, /name/],
    ['both binding and url', { name: 'a', type: 'x', binding: 'AGENT_FACTORY', url: 'https://a.example.com' }, /exactly one/],
    ['neither binding nor url', { name: 'a', type: 'x' }, /exactly one/],
    ['a plain-http remote url', { name: 'a', type: 'x', url: 'http://example.com' }, /https/],
    ['a relative url', { name: 'a', type: 'x', url: '/health' }, /absolute URL/],
    ['an unknown binding', { name: 'a', type: 'x', binding: 'NOPE' }, /no service binding named NOPE/],
    ['an empty type', { name: 'a', type: ' ', binding: 'AGENT_FACTORY' }, /type/],
  ])('refuses %s with BAD_USER_INPUT and registers nothing', async (_label, input, message) => {
    const response = await gql(REGISTER, { input });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(message);
    expect(await countRows('workers')).toBe(0);
  });

  it('refuses a duplicate name, an unknown worker, and non-admins', async () => {
    await gql(REGISTER, { input: { name: 'ui-factory', type: 'ui', binding: 'UI_FACTORY' } });
    expect(codes(await gql(REGISTER, { input: { name: 'ui-factory', type: 'ui', binding: 'UI_FACTORY' } }))).toEqual(['CONFLICT']);
    expect(codes(await gql('mutation { removeWorker(name: "nope") }'))).toEqual(['NOT_FOUND']);
    expect(codes(await gql('mutation { updateWorker(name: "nope", input: { enabled: true }) { name } }'))).toEqual(['NOT_FOUND']);
    const operator = await keyFor('operator');
    expect(codes(await gql('mutation { removeWorker(name: "ui-factory") }', {}, { key: operator }))).toEqual(['FORBIDDEN']);
    expect(await countRows('workers')).toBe(1);
  });

  it('registers each demo worker under the name and type it reports itself as', async () => {
    await registerFleet();
    const { workers } = (await gql('{ workers { name type binding } }')).data! as { workers: { name: string; type: string; binding: string }[] };
    expect(workers.map((worker) => worker.name)).toEqual(FLEET.map((worker) => worker.name));
    for (const worker of workers) {
      // Bound locally (wrangler.toml's top level); production binds no demo worker.
      const response = await env[worker.binding as (typeof FLEET)[number]['binding']]!.fetch('http://fleet/health-check/quick');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ worker_name: worker.name, worker_type: worker.type });
    }
  });

  it('gives an admin the secret a worker signs with, and nobody else', async () => {
    await gql(REGISTER, { input: { name: 'ui-factory', type: 'ui', binding: 'UI_FACTORY' } });
    const secret = await gql('{ workerSigningSecret(name: "ui-factory") }');
    expect(secret.data!.workerSigningSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const viewer = await keyFor('viewer');
    expect(codes(await gql('{ workerSigningSecret(name: "ui-factory") }', {}, { key: viewer }))).toEqual(['FORBIDDEN']);
  });

  describe('dependsOn', () => {
    const DEPENDS = 'mutation ($name: String!, $input: UpdateWorkerInput!) { updateWorker(name: $name, input: $input) { name dependsOn } }';
    const silent = (name: string, dependsOn?: string[]) => ({ name, type: 'svc', binding: 'SILENT_WORKER', ...(dependsOn ? { dependsOn } : {}) });
    const dependsOn = async () => Object.fromEntries(((await gql('{ workers { name dependsOn } }')).data!.workers as { name: string; dependsOn: string[] }[]).map((w) => [w.name, w.dependsOn]));

    it('registers and replaces the workers a worker depends on, and clears them', async () => {
      await gql(REGISTER, { input: silent('db') });
      await gql(REGISTER, { input: silent('cache') });
      const api = await gql('mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { name dependsOn } }', { input: silent('api', ['db', 'cache', 'db']) });
      expect(api.data!.registerWorker).toEqual({ name: 'api', dependsOn: ['db', 'cache'] });
      expect((await gql(DEPENDS, { name: 'api', input: { dependsOn: ['cache'] } })).data!.updateWorker).toEqual({ name: 'api', dependsOn: ['cache'] });
      // Not given: left as it is.
      expect((await gql(DEPENDS, { name: 'api', input: { enabled: false } })).data!.updateWorker).toEqual({ name: 'api', dependsOn: ['cache'] });
      expect((await gql(DEPENDS, { name: 'api', input: { dependsOn: [] } })).data!.updateWorker).toEqual({ name: 'api', dependsOn: [] });
      expect(await dependsOn()).toEqual({ api: [], cache: [], db: [] });
    });

    it('refuses unknown workers, itself and cycles with BAD_USER_INPUT, changing nothing', async () => {
      await gql(REGISTER, { input: silent('db') });
      await gql(REGISTER, { input: silent('api', ['db']) });
      await gql(REGISTER, { input: silent('web', ['api']) });
      const unknown = await gql(REGISTER, { input: silent('jobs', ['db', 'queue']) });
      expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
      expect(unknown.errors![0]!.message).toBe('dependsOn "queue" is not registered: register it first. Registered workers: api, db, web.');
      const self = await gql(DEPENDS, { name: 'db', input: { dependsOn: ['db'] } });
      expect(self.errors![0]!.message).toBe('A worker cannot depend on itself: take "db" out of dependsOn.');
      const cycle = await gql(DEPENDS, { name: 'db', input: { dependsOn: ['web'] } });
      expect(codes(cycle)).toEqual(['BAD_USER_INPUT']);
      expect(cycle.errors![0]!.message).toBe('dependsOn would make a dependency cycle: db → web → api → db.');
      expect(codes(await gql(DEPENDS, { name: 'db', input: { dependsOn: ['Not A Name'] } }))).toEqual(['BAD_USER_INPUT']);
      expect(await dependsOn()).toEqual({ api: ['db'], db: [], web: ['api'] });
      expect(await countRows('workers')).toBe(3);
    });

    it('takes a removed worker out of the lists it was in', async () => {
      await gql(REGISTER, { input: silent('db') });
      await gql(REGISTER, { input: silent('cache') });
      await gql(REGISTER, { input: silent('api', ['db', 'cache']) });
      await gql(REGISTER, { input: silent('web', ['db']) });
      expect((await gql('mutation { removeWorker(name: "db") }')).data).toEqual({ removeWorker: true });
      expect(await dependsOn()).toEqual({ api: ['cache'], cache: [], web: [] });
    });
  });
});
