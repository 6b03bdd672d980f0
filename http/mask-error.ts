import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { OperationError } from '../resolvers/errors';

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
  if (original instanceof GraphQLError) return maskError(original, message);
  if (original && !(original instanceof GraphQLError)) {
    // zod issues from @pothos/plugin-validation are the client's fault, not ours.
    if (original.name === 'ValidationError' || original.name === 'ZodError') {
      return withCode(error, 'BAD_USER_INPUT', original.message);
    }
    console.error(original);
    return new GraphQLError(message, { path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
  // Parse, validation and GraphQL Armor errors: the request itself is wrong.
  return error.extensions.code ? error : withCode(error, 'BAD_USER_INPUT');
}
