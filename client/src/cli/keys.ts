import { ApiKeysDocument, CreateApiKeyDocument, RevokeApiKeyDocument, type ApiKeyRole } from '../../generated/graphql.js';
import type { Context } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { table, time } from './format.js';

export async function listKeys(ctx: Context): Promise<ExitCode> {
  const { apiKeys } = await ctx.client().request(ApiKeysDocument);
  if (ctx.json) ctx.printJson(apiKeys);
  else {
    const c = ctx.color;
    ctx.out(
      table(
        c,
        ['NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
        apiKeys.map((k) => [k.name, k.role, k.keyPrefix, time(k.createdAt), time(k.lastUsedAt), k.revokedAt ? c.red(time(k.revokedAt)) : '-']),
      ),
    );
  }
  return EXIT.OK;
}

/** Prints the new key alone on stdout (for `key=$(worker-health keys create …)`); it is not shown again. */
export async function createKey(ctx: Context, name: string, role: string): Promise<ExitCode> {
  const { createApiKey } = await ctx.client().request(CreateApiKeyDocument, { name, role: role.toUpperCase() as ApiKeyRole });
  if (ctx.json) ctx.printJson(createApiKey);
  else {
    ctx.out(createApiKey.key);
    ctx.note(`created ${createApiKey.apiKey.role} key ${name}: store it now, it is not shown again`);
  }
  return EXIT.OK;
}

export async function revokeKey(ctx: Context, name: string): Promise<ExitCode> {
  const { revokeApiKey: key } = await ctx.client().request(RevokeApiKeyDocument, { name });
  if (ctx.json) ctx.printJson(key);
  else ctx.out(`revoked key ${key.name} (${key.role}, ${key.keyPrefix}…) at ${time(key.revokedAt)}`);
  return EXIT.OK;
}
