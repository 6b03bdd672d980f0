import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { OperationError } from '../operations/errors';

const CLIENT_REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST']);

const HTTP_STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 };

/**
 * A request error under the GraphQL-over-HTTP spec: 400 for `application/graphql-response+json`,
 * and (`spec`) 200 for `application/json`, as Yoga reads `extensions.http`.
 */
const REQUEST_ERROR_HTTP = { spec: true, status: 400 } as const;

/**
 * Whether `value` is a GraphQLError, whichever copy of graphql made it. `instanceof` alone is not
 * enough: a bundle holding a second copy of graphql (as GraphQL Armor's parser once pulled in)
 * makes errors of another class, and masking their syntax errors as internal errors is the bug
 * this guards against. graphql's errors name themselves and carry `locations` and `extensions`.
 */
export function isGraphQLError(value: unknown): value is GraphQLError {
  if (value instanceof GraphQLError) return true;
  return (
    value instanceof Error &&
    value.name === 'GraphQLError' &&
    Object.prototype.toString.call(value) === '[object GraphQLError]' &&
    'locations' in value &&
    typeof (value as { extensions?: unknown }).extensions === 'object'
  );
}

function withCode(error: GraphQLError, code: string, message = error.message, extra?: Record<string, unknown>) {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: {
      ...error.extensions,
      ...extra,
      code,
      ...(HTTP_STATUS[code] ? { http: { status: HTTP_STATUS[code] } } : {}),
    },
  });
}

/**
 * Every error a client sees has an `extensions.code` from CONTRACT.md. Expected errors keep
 * their message; anything unexpected is logged and masked as INTERNAL_SERVER_ERROR.
 */
export function maskError(error: unknown, message: string): Error {
  if (!isGraphQLError(error)) {
    console.error(error);
    return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
  const original = error.originalError;
  if (original instanceof OperationError) {
    return withCode(error, original.code, original.message, original.details ? { details: original.details } : undefined);
  }
  // Pothos raises these for bad arguments it checks itself: cursors, connection arguments.
  if (original instanceof PothosValidationError) return withCode(error, 'BAD_USER_INPUT', original.message);
  // A GraphQLError thrown on purpose (scope-auth, scalars): keep the located outer error, which
  // carries the original's message and extensions plus the path and locations a client needs.
  if (isGraphQLError(original)) return toContractCode(error);
  if (original) {
    console.error(original);
    return new GraphQLError(message, { path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
  return toContractCode(error);
}

/**
 * Parse, validation and GraphQL Armor errors: the request itself is wrong. CONTRACT.md's codes
 * are a closed set, so Yoga's finer code is kept as `reason`. One raised before execution (it has
 * no path: a syntax error, an invalid document, an Armor limit) is a request error, HTTP 400 for
 * `application/graphql-response+json` (200 for `application/json`), whoever raised it: Armor's
 * validation rules throw errors already coded BAD_USER_INPUT but with no HTTP status.
 */
function toContractCode(error: GraphQLError): GraphQLError {
  const code = error.extensions.code;
  const requestError = error.path === undefined && error.extensions.http === undefined;
  if (code !== undefined && !CLIENT_REQUEST_CODES.has(String(code))) {
    if (code === 'BAD_USER_INPUT' && requestError) return withCode(error, 'BAD_USER_INPUT', error.message, { http: REQUEST_ERROR_HTTP });
    return error;
  }
  return withCode(error, 'BAD_USER_INPUT', error.message, {
    ...(code === undefined ? {} : { reason: code }),
    ...(requestError ? { http: REQUEST_ERROR_HTTP } : {}),
  });
}

/** Validation errors never reach `maskError` in Yoga, so their codes are normalised here. */
export function useContractErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      setResult({
        ...result,
        errors: result.errors.map((error) => (isGraphQLError(error) ? toContractCode(error) : error)),
      });
    },
  };
}
