import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { schema } from '../schema';
import type { GraphQLContext } from '../schema/context';
import { armorPlugin } from './armor';
import { createContext, type ServerContext } from './context';
import { GRAPHIQL_OPTIONS, renderGraphiQLPage } from './graphiql';
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
    // GraphiQL from this origin only (assets/graphiql/; http/graphiql.ts), development settings only.
    graphiql: settings.graphiql ? GRAPHIQL_OPTIONS : false,
    renderGraphiQL: renderGraphiQLPage,
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
