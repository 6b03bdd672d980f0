import { describe, expect, it } from 'vitest';
import { countRows } from '../helpers/fixtures';
import { codes, gql, keyFor } from '../helpers/graphql';

const READ = '{ workers { name } schedules { name } healthChecks(first: 1) { totalCount } }';

describe('API keys', () => {
  it('refuses a request without a key, introspection included', async () => {
    for (const query of [READ, '{ __schema { queryType { name } } }', '{ __typename }']) {
      const response = await gql(query, {}, { key: null });
      expect(response.status).toBe(401);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.errors![0]!.message).toMatch(/Authorization: Bearer/);
    }
  });

  it('tells an anonymous caller nothing about the schema, even through validation errors', async () => {
    for (const query of ['{ secretField }', 'subscription { healthCheckCompleted { uuid } }', 'mutation { reportWorkerResult(input: {}) { success } removeWorker(name: "x") }']) {
      const response = await gql(query, {}, { key: null });
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(JSON.stringify(response.errors)).not.toMatch(/secretField|Cannot query/);
    }
  });

  it('refuses an unknown key and a malformed header', async () => {
    expect(codes(await gql(READ, {}, { key: 'wh_not_a_real_key' }))).toEqual(['UNAUTHENTICATED']);
    const malformed = await gql(READ, {}, { key: null, headers: { authorization: 'Basic abc' } });
    expect(codes(malformed)).toEqual(['UNAUTHENTICATED']);
  });

  it('lets a viewer read and nothing more', async () => {
    const viewer = await keyFor('viewer');
    const read = await gql(READ, {}, { key: viewer });
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ workers: [], schedules: [], healthChecks: { totalCount: 0 } });

    const create = await gql('mutation { createApiKey(name: "sneaky", role: ADMIN) { key } }', {}, { key: viewer });
    expect(create.status).toBe(403);
    expect(codes(create)).toEqual(['FORBIDDEN']);
    expect(create.errors![0]!.message).toMatch(/viewer/);
    const keys = await gql('{ apiKeys { name } }', {}, { key: viewer });
    expect(codes(keys)).toEqual(['FORBIDDEN']);
  });

  it('does not let an operator manage keys', async () => {
    const operator = await keyFor('operator');
    const before = await countRows('api_keys');
    const create = await gql('mutation { createApiKey(name: "x", role: VIEWER) { key } }', {}, { key: operator });
    expect(codes(create)).toEqual(['FORBIDDEN']);
    expect(await countRows('api_keys')).toBe(before);
  });

  it('lets an admin create a key that works at once and is shown only once', async () => {
    const created = await gql(
      'mutation { createApiKey(name: "dashboard", role: VIEWER) { key apiKey { name role keyPrefix revokedAt } } }',
    );
    expect(created.errors).toBeUndefined();
    const { key, apiKey } = created.data!.createApiKey;
    expect(key).toMatch(/^wh_[0-9a-f]{64}$/);
    expect(apiKey).toEqual({ name: 'dashboard', role: 'VIEWER', keyPrefix: key.slice(0, 10), revokedAt: null });

    expect((await gql(READ, {}, { key })).errors).toBeUndefined();
    // The key is not stored, only its hash.
    const listed = await gql('{ apiKeys { name keyPrefix lastUsedAt } }');
    expect(JSON.stringify(listed.data)).not.toContain(key);
    expect(listed.data!.apiKeys[0].lastUsedAt).not.toBeNull();
  });

  it('stops a revoked key at once', async () => {
    const key = await keyFor('viewer', 'to-revoke');
    expect((await gql(READ, {}, { key })).errors).toBeUndefined();
    const revoked = await gql('mutation { revokeApiKey(name: "to-revoke") { name revokedAt } }');
    expect(revoked.data!.revokeApiKey.revokedAt).toEqual(expect.any(String));
    const after = await gql(READ, {}, { key });
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
    expect(after.errors![0]!.message).toMatch(/revoked/);
  });

  it('refuses bad key mutations with clear errors and changes nothing', async () => {
    await keyFor('viewer', 'taken');
    const before = await countRows('api_keys');
    const duplicate = await gql('mutation { createApiKey(name: "taken", role: VIEWER) { key } }');
    expect(codes(duplicate)).toEqual(['CONFLICT']);
    const badName = await gql('mutation { createApiKey(name: "has spaces!", role: VIEWER) { key } }');
    expect(codes(badName)).toEqual(['BAD_USER_INPUT']);
    const badRole = await gql('mutation { createApiKey(name: "ok", role: ROOT) { key } }');
    expect(codes(badRole)).toEqual(['BAD_USER_INPUT']);
    expect(await countRows('api_keys')).toBe(before);

    expect(codes(await gql('mutation { revokeApiKey(name: "missing") { name } }'))).toEqual(['NOT_FOUND']);
    await gql('mutation { revokeApiKey(name: "taken") { name } }');
    expect(codes(await gql('mutation { revokeApiKey(name: "taken") { name } }'))).toEqual(['CONFLICT']);
  });
});
