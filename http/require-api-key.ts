import type { Plugin } from 'graphql-yoga';
import { getOperationAST, GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { GraphQLContext } from '../schema/context';

/** Root fields a caller may use without an API key: they authenticate in their own way. */
const SELF_AUTHENTICATED_FIELDS = new Set(['reportWorkerResult']);

function onlySelfAuthenticatedFields(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && SELF_AUTHENTICATED_FIELDS.has(selection.name.value),
  );
}

/**
 * Every operation needs a valid API key, introspection included, except the signed worker
 * callback. Field-level roles are then enforced by @pothos/plugin-scope-auth.
 */
export function useRequireApiKey(): Plugin<GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue;
      if (context.caller) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation && onlySelfAuthenticatedFields(operation)) return;
      const message =
        context.authFailure === 'invalid'
          ? 'The API key is unknown or revoked.'
          : 'Authentication required: send "Authorization: Bearer <api key>".';
      setResultAndStopExecution({
        errors: [new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } })],
      });
    },
  };
}
