import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { schema } from '../schema';
import type { GraphQLContext } from '../schema/context';
import { armorPlugin } from './armor';
import { createContext, type ServerContext } from './context';
import { maskError, useContractErrorCodes } from './mask-error';
import { useRequireApiKey } from './require-api-key';
import { serverSettings } from './settings';

function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

export function buildYoga(env: Env) {
  const settings = serverSettings(env);
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: settings.graphiql
      ? {
          title: 'worker-health',
          defaultQuery: '# Paste the API key into Headers as {"Authorization": "Bearer <key>"}\n{\n  healthChecks(first: 5) {\n    totalCount\n    edges { node { uuid status overallHealthScore healthStatus startedAt } }\n  }\n}\n',
          headers: JSON.stringify({ Authorization: 'Bearer <paste the API key here>' }),
          subscriptionsProtocol: 'WS',
        }
      : false,
    context: createContext,
    maskedErrors: { maskError },
    // maskError logs what is unexpected; Yoga would also log every expected error it rewrites.
    logging: false,
    plugins: [
      armorPlugin({ hideFieldSuggestions: !settings.introspection }),
      ...(settings.introspection ? [] : [useNoIntrospection()]),
      useRequireApiKey(),
      useContractErrorCodes(),
    ],
  });
}

// One Yoga per isolate: building it compiles the schema's plugins, which is too slow per request.
let cached: { env: Env; yoga: ReturnType<typeof buildYoga> } | undefined;

export function yogaFor(env: Env) {
  if (!cached || cached.env !== env) cached = { env, yoga: buildYoga(env) };
  return cached.yoga;
}
