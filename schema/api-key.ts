import { createApiKey, revokeApiKey } from '../operations/api-keys';
import { builder } from './builder';
import { ApiKeyRoleEnum } from './enums';

export const ApiKeyType = builder.drizzleObject('apiKeys', {
  name: 'ApiKey',
  description: 'An API key. The key itself is shown once, by createApiKey; only its hash is kept.',
  fields: (t) => ({
    name: t.exposeString('name'),
    role: t.field({ type: ApiKeyRoleEnum, resolve: (row) => row.role }),
    keyPrefix: t.exposeString('keyPrefix', { description: 'The first characters of the key, to tell keys apart.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreateApiKeyPayload = builder
  .objectRef<{ key: string; apiKey: typeof ApiKeyType.$inferType }>('CreateApiKeyPayload')
  .implement({
    fields: (t) => ({
      key: t.exposeString('key', { description: 'The key. It is not shown again: store it now.' }),
      apiKey: t.field({ type: ApiKeyType, resolve: (payload) => payload.apiKey }),
    }),
  });

builder.queryField('apiKeys', (t) =>
  t.drizzleField({
    type: ['apiKeys'],
    authScopes: { admin: true },
    description: 'Every API key (without the keys themselves), by name.',
    resolve: (query, _root, _args, ctx) => ctx.db.query.apiKeys.findMany(query({ orderBy: { name: 'asc' } })),
  }),
);

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreateApiKeyPayload,
    authScopes: { admin: true },
    description: 'Creates a key with a role and returns it once.',
    args: {
      name: t.arg.string({ required: true }),
      role: t.arg({ type: ApiKeyRoleEnum, required: true }),
    },
    resolve: (_root, args, ctx) => createApiKey(ctx.db, args),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.drizzleField({
    type: 'apiKeys',
    authScopes: { admin: true },
    description: 'Revokes a key at once; requests with it are refused from then on.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_query, _root, args, ctx) => revokeApiKey(ctx, args.name),
  }),
);
