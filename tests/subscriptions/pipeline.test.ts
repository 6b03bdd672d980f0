/**
 * The subscribe-time pipeline follows the HTTP server's settings: in production (introspection
 * off) a refused document's errors hide field suggestions, as Yoga's do.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { validateSubscriptionDocument } from '../../durable/graphql-ws/schema-executor';
import { schema } from '../../schema';
import { httpDocumentPipeline } from '../../compose/subscription-executor';

const typo = { query: 'subscription { healthCheckUpdated { typ } }', variables: null, operationName: null };
const withSettings = (overrides: Partial<Env>) => ({ ...env, ...overrides }) as Env;

describe('the subscribe-time pipeline', () => {
  it('suggests fields in development', () => {
    const result = validateSubscriptionDocument(schema, typo, httpDocumentPipeline(withSettings({ ENVIRONMENT: 'development', INTROSPECTION: '' })));
    expect(result).toEqual({
      errors: [expect.objectContaining({ message: 'Cannot query field "typ" on type "HealthCheckEvent". Did you mean "type"?', extensions: { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' } })],
    });
  });

  it('hides suggestions when introspection is off, as over HTTP', () => {
    const production = withSettings({ ENVIRONMENT: 'production' as Env['ENVIRONMENT'], INTROSPECTION: '' });
    const result = validateSubscriptionDocument(schema, typo, httpDocumentPipeline(production));
    expect(result).toEqual({
      errors: [expect.objectContaining({ message: 'Cannot query field "typ" on type "HealthCheckEvent". [Suggestion hidden]' })],
    });
  });

  it('is built once per settings, not per call', () => {
    const development = withSettings({ ENVIRONMENT: 'development', INTROSPECTION: '' });
    expect(httpDocumentPipeline(development)).toBe(httpDocumentPipeline({ ...development } as Env));
  });
});
