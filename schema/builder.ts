import SchemaBuilder from '@pothos/core';
import DrizzlePlugin from '@pothos/plugin-drizzle';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { GraphQLError } from 'graphql';
import type { Relations } from '../db/relations';
import { relations } from '../db/relations';
import { hasRole } from '../operations/api-keys';
import type { GraphQLContext } from './context';

// Plugins and options only: types live in their own files (Pothos's app-layout guide).
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DrizzleRelations: Relations;
  AuthScopes: { viewer: boolean; operator: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, RelayPlugin, DrizzlePlugin],
  drizzle: { client: (ctx) => ctx.db, getTableConfig, relations },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
  scopeAuth: {
    authScopes: (ctx) => ({
      viewer: hasRole(ctx.caller, 'viewer'),
      operator: hasRole(ctx.caller, 'operator'),
      admin: hasRole(ctx.caller, 'admin'),
    }),
    // Anonymous callers are told to authenticate; known callers are told what they lack.
    unauthorizedError: (_parent, ctx, info) =>
      ctx.caller
        ? new GraphQLError(`The "${ctx.caller.role}" role may not use ${info.parentType.name}.${info.fieldName}.`, {
            extensions: { code: 'FORBIDDEN', http: { status: 403 } },
          })
        : new GraphQLError(
            ctx.authFailure === 'invalid'
              ? 'The API key is unknown or revoked.'
              : 'Authentication required: send "Authorization: Bearer <api key>".',
            { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } },
          ),
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
