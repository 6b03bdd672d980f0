/**
 * A SubscriptionExecutor over any graphql-js schema (a Pothos schema is one): the schema-agnostic
 * half of `schema/subscription-executor.ts`, which only has to supply the schema, how to
 * authenticate, and the context for an execution.
 *
 * Execution runs the stored subscription document with graphql-js `execute` and the event as the
 * root value, which is exactly what graphql-js `subscribe` does for each event of a source stream
 * (mapSourceToResponse): the subscription field's `resolve(event, args, context)` produces the
 * payload. The field's `subscribe` is never called; the hub is the source stream.
 */
import {
  execute,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import type { ConnectionAuth } from './connection-state';
import type { ExecuteRequest, SubscriptionExecutor, ValidateRequest, ValidationResult } from './executor';
import { INTERNAL_ERROR } from './messages';

export interface SchemaExecutorOptions {
  schema: GraphQLSchema;
  authenticate: (authorization: string) => Promise<ConnectionAuth | null>;
  /** The context value resolvers get for one execution (db, env, the role...). */
  contextValue: (request: ExecuteRequest) => unknown;
  /** Extra validation rules (depth or cost limits), run after graphql-js's specified rules. */
  validationRules?: readonly ValidationRule[];
  /** How many parsed documents to keep between executions. */
  documentCacheSize?: number;
  /** Formats a resolver error for the client; the default masks errors that are not GraphQLErrors. */
  maskError?: (error: GraphQLError) => GraphQLFormattedError;
}

/**
 * Like Yoga's default maskedErrors: an error a resolver threw on purpose (a GraphQLError, with its
 * `extensions.code`) goes through; anything else is an unexpected error and is masked.
 */
export function defaultMaskError(error: GraphQLError): GraphQLFormattedError {
  const original = error.originalError;
  if (!original || original instanceof GraphQLError) return error.toJSON();
  const { locations, path } = error;
  return { ...INTERNAL_ERROR, ...(locations ? { locations } : {}), ...(path ? { path } : {}) };
}

const badInput = (error: GraphQLError | string): GraphQLFormattedError => {
  const formatted = typeof error === 'string' ? { message: error } : error.toJSON();
  return { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
};

/** The root fields of a selection set, through fragments (only one is allowed in a subscription). */
function rootFields(selectionSet: SelectionSetNode, document: DocumentNode, seen = new Set<string>()): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...rootFields(selection.selectionSet, document, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) fields.push(...rootFields(fragment.selectionSet, document, seen));
    }
  }
  return fields;
}

export function validateSubscriptionDocument(
  schema: GraphQLSchema,
  { query, variables, operationName }: Pick<ValidateRequest, 'query' | 'variables' | 'operationName'>,
  rules?: readonly ValidationRule[],
): ValidationResult {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [badInput(error instanceof GraphQLError ? error : String(error))] };
  }
  const errors = validate(schema, document, rules?.length ? [...specifiedRules, ...rules] : undefined);
  if (errors.length) return { errors: errors.map(badInput) };

  const operation: OperationDefinitionNode | null | undefined = getOperationAST(document, operationName);
  if (!operation) {
    return { errors: [badInput(operationName ? `Unknown operation named "${operationName}"` : 'Must provide operation name if query contains multiple operations')] };
  }
  if (operation.operation !== 'subscription') {
    return { errors: [badInput(`Only subscriptions are served over WebSocket; send ${operation.operation} operations to POST /graphql`)] };
  }
  const subscriptionType = schema.getSubscriptionType();
  const [fieldNode] = rootFields(operation.selectionSet, document);
  const fieldDef = fieldNode && subscriptionType?.getFields()[fieldNode.name.value];
  if (!fieldNode || !fieldDef) return { errors: [badInput('Subscription must select one field of the Subscription type')] };

  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 10 });
  if (coerced.errors) return { errors: coerced.errors.map(badInput) };
  try {
    return { field: fieldDef.name, args: getArgumentValues(fieldDef, fieldNode, coerced.coerced) };
  } catch (error) {
    return { errors: [badInput(error instanceof GraphQLError ? error : String(error))] };
  }
}

export function createSchemaExecutor(options: SchemaExecutorOptions): SubscriptionExecutor {
  const { schema, validationRules, documentCacheSize = 100, maskError = defaultMaskError } = options;
  const documents = new Map<string, DocumentNode>();

  function parsed(query: string): DocumentNode {
    let document = documents.get(query);
    if (document) {
      documents.delete(query); // re-insert: the Map's order is the recency order
    } else {
      document = parse(query);
      if (documents.size >= documentCacheSize) documents.delete(documents.keys().next().value as string);
    }
    documents.set(query, document);
    return document;
  }

  return {
    authenticate: options.authenticate,
    validate: (request) => validateSubscriptionDocument(schema, request, validationRules),
    async execute(request): Promise<ExecutionResult | FormattedExecutionResult> {
      let result: ExecutionResult;
      try {
        result = await execute({
          schema,
          document: parsed(request.query),
          rootValue: request.event,
          contextValue: options.contextValue(request),
          variableValues: request.variables,
          operationName: request.operationName,
        });
      } catch {
        return { errors: [INTERNAL_ERROR] };
      }
      if (!result.errors?.length) return result;
      return { ...result, errors: result.errors.map(maskError) } as FormattedExecutionResult;
    },
  };
}
