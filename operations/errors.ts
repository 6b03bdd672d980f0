import type { z } from 'zod';

/**
 * Errors the operations raise on purpose. They carry the public `extensions.code` from
 * CONTRACT.md; the HTTP layer turns them into GraphQL errors and masks everything else.
 * Kept free of GraphQL types so RPC and cron callers can use the same operations.
 */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT';

export class OperationError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new OperationError('BAD_USER_INPUT', message, details);
export const notFound = (message: string) => new OperationError('NOT_FOUND', message);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new OperationError('CONFLICT', message, details);
export const unauthenticated = (message: string) => new OperationError('UNAUTHENTICATED', message);

/** Parses an operation's input, or throws BAD_USER_INPUT with every problem found, joined. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw badInput(result.error.issues.map((issue) => issue.message).join('; '));
  return result.data;
}
