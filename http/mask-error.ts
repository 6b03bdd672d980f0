import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { OperationError } from '../operations/errors';

const CLIENT_REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST']);

const HTTP_STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 };

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
  if (!(error instanceof GraphQLError)) {
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
  if (original instanceof GraphQLError) return toContractCode(error);
  if (original && !(original instanceof GraphQLError)) {
    console.error(original);
    return new GraphQLError(message, { path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
  return toContractCode(error);
}

/**
 * Parse, validation and GraphQL Armor errors: the request itself is wrong. CONTRACT.md's codes
 * are a closed set, so Yoga's finer code is kept as `reason`.
 */
function toContractCode(error: GraphQLError): GraphQLError {
  const code = error.extensions.code;
  if (code !== undefined && !CLIENT_REQUEST_CODES.has(String(code))) return error;
  return withCode(error, 'BAD_USER_INPUT', error.message, code === undefined ? undefined : { reason: code });
}

/** Validation errors never reach `maskError` in Yoga, so their codes are normalised here. */
export function useContractErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      setResult({
        ...result,
        errors: result.errors.map((error) => (error instanceof GraphQLError ? toContractCode(error) : error)),
      });
    },
  };
}
