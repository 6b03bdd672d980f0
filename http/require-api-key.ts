import type { Plugin } from 'graphql-yoga';
import { getOperationAST, GraphQLError, Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { GraphQLContext } from '../schema/context';
import { ARMOR_LIMITS } from './armor';
import type { ServerContext } from './context';

/** Root fields a caller may use without an API key: they authenticate in their own way. */
const SELF_AUTHENTICATED_FIELDS = new Set(['reportWorkerResult']);

function onlySelfAuthenticatedFields(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && SELF_AUTHENTICATED_FIELDS.has(selection.name.value),
  );
}

/** Whether an anonymous request may go on: its operation is the signed worker callback alone. */
function anonymousAllowed(query: string | undefined, operationName: string | null | undefined): boolean {
  if (!query) return false;
  try {
    const operation = getOperationAST(parse(query, { maxTokens: ARMOR_LIMITS.maxTokens }), operationName);
    return operation != null && onlySelfAuthenticatedFields(operation);
  } catch {
    return false; // unparsable: not the callback, so the key is what is missing
  }
}

function unauthenticatedError(failure: GraphQLContext['authFailure']): GraphQLError {
  const message =
    failure === 'invalid' ? 'The API key is unknown or revoked.' : 'Authentication required: send "Authorization: Bearer <api key>".';
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/**
 * Every operation needs a valid API key, introspection included, except the signed worker
 * callback. Checked per request before Yoga parses or validates anything (both are cached by
 * document, so no per-caller answer may live there), so an anonymous caller learns nothing from
 * validation errors either. Field-level roles are then enforced by @pothos/plugin-scope-auth.
 * WebSocket subscribers are authenticated by the EventHub at connection_init instead.
 */
export function useRequireApiKey(): Plugin<GraphQLContext, ServerContext> {
  return {
    onParams({ params, context, setResult }) {
      const { authentication } = context;
      if (authentication.kind === 'authenticated') return;
      if (anonymousAllowed(params.query, params.operationName)) return;
      setResult({ errors: [unauthenticatedError(authentication.kind === 'invalid' ? 'invalid' : 'missing')] });
    },
  };
}
