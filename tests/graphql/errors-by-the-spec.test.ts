/**
 * Errors as the GraphQL-over-HTTP spec has them: a request error (a syntax error, an invalid
 * document, a GraphQL Armor limit) is BAD_USER_INPUT with its message and location, HTTP 400 for
 * `Accept: application/graphql-response+json` and 200 for `application/json`; and a GraphQLError
 * is recognised whichever copy of graphql made it (the deployed bundle once held two, and every
 * syntax error came out as INTERNAL_SERVER_ERROR "Unexpected error.", logged as an error).
 */
import { exports } from 'cloudflare:workers';
import { createRequire } from 'node:module';
import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ARMOR_LIMITS } from '../../http/armor';
import { isGraphQLError, maskError } from '../../http/mask-error';
import { ADMIN_KEY } from '../helpers/graphql';

async function post(query: string, accept: string) {
  const response = await exports.default.fetch('http://orchestrator/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as any };
}

const ACCEPTS = [
  ['application/graphql-response+json', 400],
  ['application/json', 200],
] as const;

const SYNTAX_ERRORS = [
  ['an unclosed brace', '{', 'Syntax Error: Expected Name, found <EOF>.', { line: 1, column: 2 }],
  ['an unterminated string', '{ workers(name: "abc', 'Syntax Error: Unterminated string.', { line: 1, column: 21 }],
  ['an unbalanced brace', '{ workers { name } } }', 'Syntax Error: Unexpected "}".', { line: 1, column: 22 }],
  ['a stray character', '{ workers { name ? } }', 'Syntax Error: Unexpected character: "?".', { line: 1, column: 18 }],
] as const;

const ARMOR_REFUSALS = [
  ['aliases', `{ ${Array.from({ length: ARMOR_LIMITS.maxAliases + 1 }, (_, i) => `a${i}: workers { name }`).join(' ')} }`, /Aliases limit/],
  ['depth', `{ healthChecks(first: 1) { edges { node { workerResults { ${'healthCheck { workerResults { '.repeat(4)} uuid ${'} } '.repeat(4)} } } } } }`, /depth limit/],
  ['directives', `{ workers ${'@include(if: true) '.repeat(ARMOR_LIMITS.maxDirectives + 1)} { name } }`, /Directives limit/],
  ['tokens', `{ workers { ${'name '.repeat(ARMOR_LIMITS.maxTokens)} } }`, /Token limit/],
  ['cost', `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: healthChecks(first: 100) { edges { node { workerResults { unitTests { results { name status durationMs error } } performanceTests { results { name status } } } } } }`).join(' ')} }`, /Query Cost limit/i],
] as const;

describe('request errors by the GraphQL-over-HTTP spec', () => {
  afterEach(() => vi.restoreAllMocks());

  describe.each(ACCEPTS)('Accept: %s', (accept, status) => {
    it.each(SYNTAX_ERRORS)('answers %s with BAD_USER_INPUT, its message and location', async (_label, query, message, location) => {
      const logged = vi.spyOn(console, 'error');
      const response = await post(query, accept);
      expect(response.status).toBe(status);
      expect(response.contentType).toContain(accept);
      expect(response.body).toEqual({
        errors: [{ message, locations: [location], extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' } }],
      });
      expect(logged).not.toHaveBeenCalled();
    });

    it.each(ARMOR_REFUSALS)('answers a refusal of GraphQL Armor (%s) the same way', async (_label, query, message) => {
      const response = await post(query, accept);
      expect(response.status).toBe(status);
      expect(response.body.data ?? null).toBeNull();
      expect(response.body.errors.length).toBeGreaterThan(0);
      for (const error of response.body.errors) expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(response.body.errors.map((error: { message: string }) => error.message).join(' ')).toMatch(message);
    });

    it('answers a validation error the same way', async () => {
      const response = await post('{ workers { favouriteColour } }', accept);
      expect(response.status).toBe(status);
      expect(response.body.errors).toEqual([
        expect.objectContaining({ locations: [{ line: 1, column: 13 }], extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' } }),
      ]);
    });
  });

  it('keeps 200 for an error in execution (the response has data)', async () => {
    const response = await post('{ healthChecks(first: 0) { totalCount } workers { name } }', 'application/graphql-response+json');
    expect(response.status).toBe(200);
    expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('a GraphQLError from another copy of graphql', () => {
  // graphql's CommonJS build: its own GraphQLError class, not the ESM one the server imports. A
  // bundle that resolves one import to it (GraphQL Armor's `graphql/language/parser` once did)
  // throws syntax errors of this class.
  const require = createRequire(import.meta.url);
  const cjs = {
    ...(require('graphql/error/index.js') as Pick<typeof import('graphql'), 'GraphQLError' | 'syntaxError'>),
    ...(require('graphql/language/source.js') as Pick<typeof import('graphql'), 'Source'>),
  };

  it('is another class', () => {
    expect(new cjs.GraphQLError('x')).not.toBeInstanceOf(GraphQLError);
  });

  it('is recognised as a GraphQLError, and a plain Error is not', () => {
    expect(isGraphQLError(cjs.syntaxError(new cjs.Source('{'), 1, 'Expected Name, found <EOF>.'))).toBe(true);
    expect(isGraphQLError(Object.assign(new Error('x'), { name: 'GraphQLError' }))).toBe(false);
  });

  it('is masked as BAD_USER_INPUT with its message and location, not as an internal error', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const masked = maskError(cjs.syntaxError(new cjs.Source('{'), 1, 'Expected Name, found <EOF>.'), 'Unexpected error.') as GraphQLError;
    expect(masked).toBeInstanceOf(GraphQLError);
    expect(masked.toJSON()).toEqual({
      message: 'Syntax Error: Expected Name, found <EOF>.',
      locations: [{ line: 1, column: 2 }],
      extensions: { code: 'BAD_USER_INPUT', http: { spec: true, status: 400 } },
    });
    expect(logged).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });
});
