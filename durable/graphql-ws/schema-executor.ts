/**
 * A SubscriptionExecutor over any graphql-js schema (a Pothos schema is one): the schema-agnostic
 * half of `compose/subscription-executor.ts`, which only has to supply the schema, how to
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

export interface DocumentPipeline {
  /** Parses a query; throws a GraphQLError for a syntax error or a document over a limit. */
  parse?: (query: string) => DocumentNode;
  /** Validates a parsed document; returns or throws GraphQLErrors. */
  validate?: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
  /** Extra rules for the default `validate`, after graphql-js's specified rules. */
  rules?: readonly ValidationRule[];
  /** Formats a parse or validation error for the client; by default as BAD_USER_INPUT. */
  formatError?: (error: GraphQLError) => GraphQLFormattedError;
}

export interface SchemaExecutorOptions {
  schema: GraphQLSchema;
  authenticate: (authorization: string) => Promise<ConnectionAuth | null>;
  /** The context value resolvers get for one execution (db, env, the role...). */
  contextValue: (request: ExecuteRequest) => unknown;
  /**
   * How a subscribe's document is parsed, validated and its errors formatted; by default graphql-js
   * with its specified rules. The orchestrator passes its HTTP server's pipeline here, so a
   * document sent over WebSocket meets the very limits (and error codes) a POST would.
   */
  documents?: DocumentPipeline;
  /** How many parsed documents to keep between executions. */
  documentCacheSize?: number;
  /** Formats a resolver error for the client; the default masks errors that are not GraphQLErrors. */
  maskError?: (error: GraphQLError) => GraphQLFormattedError;
  /** A run's story so far (SubscriptionExecutor.history), from wherever the events are kept; none by default. */
  history?: SubscriptionExecutor['history'];
  /**
   * What each subscription field reads of the event, its root value (SubscriptionExecutor.eventDependencies):
   * a field not listed reads all of it. Without it, every document reads all of it.
   */
  eventReads?: Record<string, EventReads>;
}

/**
 * What one subscription field's result reads of the event it is executed with. The schema's
 * resolvers are the truth; this restates them, and must say more rather than less.
 */
export interface EventReads {
  /** Properties of the event the field's own resolver reads. */
  field: readonly string[];
  /**
   * Only for a field that resolves to the event itself: what each field of its type reads of the
   * event (its parent). A selected field not listed here reads all of it; `__typename` reads none.
   * Absent when the field resolves to something else (a row read with the event's ids), whose
   * fields read that, not the event.
   */
  selection?: Record<string, readonly string[]>;
}

/**
 * Like Yoga's default maskedErrors: an error a resolver threw on purpose (a GraphQLError, with its
 * `extensions.code`) goes through; anything else is an unexpected error and is masked.
 */
function defaultMaskError(error: GraphQLError): GraphQLFormattedError {
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
  documents: DocumentPipeline = {},
): ValidationResult {
  const { rules, formatError = badInput } = documents;
  const runValidation = documents.validate ?? ((s: GraphQLSchema, d: DocumentNode) => validate(s, d, rules?.length ? [...specifiedRules, ...rules] : undefined));
  let document: DocumentNode;
  let errors: readonly GraphQLError[];
  try {
    document = (documents.parse ?? parse)(query);
    errors = runValidation(schema, document);
  } catch (error) {
    // A throw here is the document's fault (a syntax error, or a limit that stops at the first
    // excess); anything that is not a GraphQLError is not, and the caller masks it.
    if (error instanceof GraphQLError) return { errors: [formatError(error)] };
    throw error;
  }
  if (errors.length) return { errors: errors.map((error) => formatError(error)) };

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

/**
 * The event properties a document's result reads, given what each field reads (EventReads), or
 * null (all of them): for a document that does not parse, has no such operation, or selects a
 * field or sub-field the table does not know. Directives (@skip, @include) are ignored, so a field
 * they may leave out still counts: more, never less.
 */
export function documentEventReads(document: DocumentNode, operationName: string | null, reads: Record<string, EventReads>): string[] | null {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'subscription') return null;
  const roots = rootFields(operation.selectionSet, document);
  if (roots.length === 0) return null;
  const properties = new Set<string>();
  for (const root of roots) {
    if (root.name.value === '__typename') continue;
    const known = Object.hasOwn(reads, root.name.value) ? reads[root.name.value] : undefined;
    if (!known) return null;
    for (const property of known.field) properties.add(property);
    if (!known.selection || !root.selectionSet) continue;
    for (const child of rootFields(root.selectionSet, document)) {
      if (child.name.value === '__typename') continue;
      const childReads = Object.hasOwn(known.selection, child.name.value) ? known.selection[child.name.value] : undefined;
      if (!childReads) return null;
      for (const property of childReads) properties.add(property);
    }
  }
  return [...properties].sort();
}

export function createSchemaExecutor(options: SchemaExecutorOptions): SubscriptionExecutor {
  const { schema, documents = {}, documentCacheSize = 100, maskError = defaultMaskError } = options;
  const parseDocument = documents.parse ?? parse;
  const parsedCache = new Map<string, DocumentNode>();

  function parsed(query: string): DocumentNode {
    let document = parsedCache.get(query);
    if (document) {
      parsedCache.delete(query); // re-insert: the Map's order is the recency order
    } else {
      document = parseDocument(query);
      if (parsedCache.size >= documentCacheSize) parsedCache.delete(parsedCache.keys().next().value as string);
    }
    parsedCache.set(query, document);
    return document;
  }

  return {
    authenticate: options.authenticate,
    history: options.history ?? (async () => []),
    validate: (request) => validateSubscriptionDocument(schema, request, documents),
    eventDependencies(request) {
      if (!options.eventReads) return null;
      try {
        return documentEventReads(parsed(request.query), request.operationName, options.eventReads);
      } catch {
        return null; // a document that no longer parses: all of the event, as without a table
      }
    },
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
