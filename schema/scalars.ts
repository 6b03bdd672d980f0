import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder';

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO-8601 date-time string.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

/** ISO-8601 date-times in UTC, e.g. "2026-11-30T01:20:00.000Z". */
builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time in UTC, e.g. "2026-11-30T01:20:00.000Z".',
  serialize: (value) => (value instanceof Date ? value.toISOString() : parseDate(value).toISOString()),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null),
});
