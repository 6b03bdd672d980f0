import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLError,
  GraphQLID,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse as gqlParse,
  type ValidationContext,
} from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import type { HealthCheckEvent } from '../../durable/graphql-ws/event';
import type { ExecuteRequest } from '../../durable/graphql-ws/executor';
import { createSchemaExecutor, validateSubscriptionDocument } from '../../durable/graphql-ws/schema-executor';

// A tiny schema with the contract's subscription fields, standing in for the Pothos one.
const HealthCheck = new GraphQLObjectType<{ uuid: string }, { role: string }>({
  name: 'HealthCheck',
  fields: {
    uuid: { type: new GraphQLNonNull(GraphQLID) },
    status: { type: GraphQLString, resolve: () => 'running' },
    secret: {
      type: GraphQLString,
      resolve: (_hc, _args, ctx) => {
        if (ctx.role !== 'admin') throw new GraphQLError('Admins only', { extensions: { code: 'FORBIDDEN' } });
        return 's3cret';
      },
    },
    boom: {
      type: GraphQLString,
      resolve: () => {
        throw new Error('D1_ERROR: no such table: health_checks');
      },
    },
  },
});
const HealthCheckEventType = new GraphQLObjectType<HealthCheckEvent>({
  name: 'HealthCheckEvent',
  fields: {
    type: { type: new GraphQLNonNull(new GraphQLEnumType({ name: 'HealthCheckEventType', values: { STARTED: {}, WORKER_RESULT: {}, COMPLETED: {} } })) },
    healthCheck: { type: new GraphQLNonNull(HealthCheck), resolve: (event) => ({ uuid: event.healthCheckUuid }) },
  },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean, resolve: () => true } } }),
  subscription: new GraphQLObjectType<HealthCheckEvent>({
    name: 'Subscription',
    fields: {
      healthCheckUpdated: {
        type: new GraphQLNonNull(HealthCheckEventType),
        args: { uuid: { type: GraphQLID } },
        subscribe: () => {
          throw new Error('the hub is the source stream; subscribe is never called');
        },
        resolve: (event) => event,
      },
      healthCheckCompleted: {
        type: new GraphQLNonNull(HealthCheck),
        resolve: (event) => ({ uuid: event.healthCheckUuid }),
      },
    },
  }),
});

const auth = { role: 'viewer' as const, keyName: 'k' };
const validate = (query: string, variables: Record<string, unknown> | null = null, operationName: string | null = null) =>
  validateSubscriptionDocument(schema, { query, variables, operationName });

describe('validateSubscriptionDocument', () => {
  it('names the root field and its arguments with variables applied', () => {
    expect(validate('subscription($id: ID) { healthCheckUpdated(uuid: $id) { type } }', { id: 'hc-1' })).toEqual({
      field: 'healthCheckUpdated',
      args: { uuid: 'hc-1' },
    });
    expect(validate('subscription { healthCheckUpdated(uuid: "hc-2") { type } }')).toEqual({ field: 'healthCheckUpdated', args: { uuid: 'hc-2' } });
    expect(validate('subscription { healthCheckUpdated { type } }')).toEqual({ field: 'healthCheckUpdated', args: {} });
    expect(validate('subscription($id: ID) { healthCheckUpdated(uuid: $id) { type } }')).toEqual({ field: 'healthCheckUpdated', args: {} });
    expect(validate('subscription { ...F } fragment F on Subscription { healthCheckCompleted { uuid } }')).toEqual({
      field: 'healthCheckCompleted',
      args: {},
    });
    expect(validate('subscription A { healthCheckCompleted { uuid } } subscription B { healthCheckUpdated { type } }', null, 'B')).toEqual({
      field: 'healthCheckUpdated',
      args: {},
    });
  });

  it.each([
    ['a syntax error', 'subscription {', /Syntax Error/],
    ['an unknown field', 'subscription { nope }', /Cannot query field "nope" on type "Subscription"/],
    ['two root fields', 'subscription { healthCheckCompleted { uuid } healthCheckUpdated { type } }', /must select only one top level field/],
    ['a query', '{ ok }', /Only subscriptions are served over WebSocket; send query operations to POST \/graphql/],
    ['an ambiguous document', 'subscription A { healthCheckCompleted { uuid } } subscription B { healthCheckCompleted { uuid } }', /Must provide operation name/],
  ])('refuses %s with BAD_USER_INPUT', (_name, query, message) => {
    const result = validate(query);
    expect('errors' in result && result.errors[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses an unknown operation name and bad variables', () => {
    expect(validate('subscription A { healthCheckCompleted { uuid } }', null, 'Z')).toMatchObject({ errors: [{ message: 'Unknown operation named "Z"' }] });
    expect(validate('subscription($id: ID!) { healthCheckUpdated(uuid: $id) { type } }')).toMatchObject({
      errors: [{ message: expect.stringMatching(/Variable "\$id" of required type "ID!" was not provided/), extensions: { code: 'BAD_USER_INPUT' } }],
    });
    expect(validate('subscription($id: ID) { healthCheckUpdated(uuid: $id) { type } }', { id: { not: 'an id' } })).toMatchObject({
      errors: [{ message: expect.stringMatching(/Variable "\$id" got invalid value/) }],
    });
  });

  it('runs extra validation rules after the specified ones', () => {
    const noSecrets = (context: ValidationContext) => ({
      Field(node: { name: { value: string } }) {
        if (node.name.value === 'secret') context.reportError(new GraphQLError('No secrets over WebSocket'));
      },
    });
    const result = validateSubscriptionDocument(
      schema,
      { query: 'subscription { healthCheckCompleted { secret } }', variables: null, operationName: null },
      { rules: [noSecrets] },
    );
    expect(result).toMatchObject({ errors: [{ message: 'No secrets over WebSocket', extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  describe('with a document pipeline (the HTTP server\'s parse and validate)', () => {
    const query = 'subscription { healthCheckCompleted { uuid } }';
    const request = { query, variables: null, operationName: null };
    const formatError = (error: GraphQLError) => ({ message: error.message, extensions: { code: 'BAD_USER_INPUT', reason: 'PIPELINE' } });

    it('uses its parse, validate and formatError', () => {
      const parse = vi.fn(() => {
        throw new GraphQLError('Syntax Error: Token limit of 3 exceeded.');
      });
      expect(validateSubscriptionDocument(schema, request, { parse, formatError })).toEqual({
        errors: [{ message: 'Syntax Error: Token limit of 3 exceeded.', extensions: { code: 'BAD_USER_INPUT', reason: 'PIPELINE' } }],
      });
      expect(parse).toHaveBeenCalledWith(query);

      const validate = vi.fn(() => [new GraphQLError('one'), new GraphQLError('two')]);
      expect(validateSubscriptionDocument(schema, request, { validate, formatError })).toMatchObject({
        errors: [{ message: 'one', extensions: { reason: 'PIPELINE' } }, { message: 'two' }],
      });
    });

    it('treats a GraphQLError thrown by validate as the document\'s fault (a limit stops at the first excess)', () => {
      const validate = () => {
        throw new GraphQLError('Syntax Error: Query depth limit of 1 exceeded, found 2.');
      };
      expect(validateSubscriptionDocument(schema, request, { validate })).toEqual({
        errors: [{ message: 'Syntax Error: Query depth limit of 1 exceeded, found 2.', extensions: { code: 'BAD_USER_INPUT' } }],
      });
    });

    it('lets any other throw through, for the hub to mask', () => {
      const validate = () => {
        throw new TypeError('a bug');
      };
      expect(() => validateSubscriptionDocument(schema, request, { validate })).toThrow('a bug');
    });

    it('parses stored documents with the same parse when executing', async () => {
      const parse = vi.fn((source: string) => gqlParse(source));
      const executor = createSchemaExecutor({ schema, authenticate: async () => auth, contextValue: () => ({}), documents: { parse } });
      await executor.execute({ query, variables: null, operationName: null, event: { type: 'COMPLETED', healthCheckUuid: 'hc-1', sequence: 3 }, auth: { role: 'viewer' } });
      await executor.execute({ query, variables: null, operationName: null, event: { type: 'COMPLETED', healthCheckUuid: 'hc-2', sequence: 3 }, auth: { role: 'viewer' } });
      expect(parse).toHaveBeenCalledTimes(1); // and cached
    });
  });
});

describe('createSchemaExecutor', () => {
  const event: HealthCheckEvent = { type: 'WORKER_RESULT', healthCheckUuid: 'hc-1', workerCheckUuid: 'wc-1', sequence: 2 };
  const request = (query: string, role: 'viewer' | 'admin' = 'viewer'): ExecuteRequest => ({ query, variables: null, operationName: null, event, auth: { role } });
  const executor = createSchemaExecutor({ schema, authenticate: async () => auth, contextValue: (req) => ({ role: req.auth.role }) });

  it("runs the stored document with the event as the subscription field's parent", async () => {
    expect(await executor.execute(request('subscription { healthCheckUpdated { type healthCheck { uuid status } } }'))).toEqual({
      data: { healthCheckUpdated: { type: 'WORKER_RESULT', healthCheck: { uuid: 'hc-1', status: 'running' } } },
    });
  });

  it('passes the context built from the request', async () => {
    const contextValue = vi.fn((req: ExecuteRequest) => ({ role: req.auth.role }));
    const admin = createSchemaExecutor({ schema, authenticate: async () => auth, contextValue });
    expect(await admin.execute(request('subscription { healthCheckCompleted { secret } }', 'admin'))).toEqual({ data: { healthCheckCompleted: { secret: 's3cret' } } });
    expect(contextValue).toHaveBeenCalledWith(expect.objectContaining({ event, auth: { role: 'admin' } }));
  });

  it("keeps a resolver's deliberate GraphQLError and masks anything else", async () => {
    const result = JSON.parse(JSON.stringify(await executor.execute(request('subscription { healthCheckCompleted { uuid secret boom } }'))));
    expect(result).toEqual({
      data: { healthCheckCompleted: { uuid: 'hc-1', secret: null, boom: null } },
      errors: [
        { message: 'Admins only', locations: [{ line: 1, column: 44 }], path: ['healthCheckCompleted', 'secret'], extensions: { code: 'FORBIDDEN' } },
        { message: 'Unexpected error.', locations: [{ line: 1, column: 51 }], path: ['healthCheckCompleted', 'boom'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('D1_ERROR');
  });

  it('masks a document that cannot even be parsed', async () => {
    expect(await executor.execute(request('subscription {'))).toEqual({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });

  it('validates with the schema and authenticates with the given function', async () => {
    expect(await executor.validate({ query: 'subscription { healthCheckCompleted { uuid } }', variables: null, operationName: null, auth })).toEqual({
      field: 'healthCheckCompleted',
      args: {},
    });
    expect(await executor.authenticate('Bearer x')).toEqual(auth);
  });
});

describe('eventDependencies', () => {
  const eventReads = {
    healthCheckUpdated: { field: [], selection: { type: ['type'], healthCheck: ['healthCheckUuid'] } },
    healthCheckCompleted: { field: ['healthCheckUuid'] },
  };
  const executor = createSchemaExecutor({ schema, authenticate: async () => null, contextValue: () => ({}), eventReads });
  const reads = (query: string, operationName: string | null = null) => executor.eventDependencies!({ query, variables: null, operationName });

  it('says what a document reads of the event, through aliases and fragments', () => {
    expect(reads('subscription { healthCheckUpdated { healthCheck { uuid status } } }')).toEqual(['healthCheckUuid']);
    expect(reads('subscription { healthCheckUpdated { __typename t: type healthCheck { uuid } } }')).toEqual(['healthCheckUuid', 'type']);
    expect(reads('subscription { healthCheckUpdated { ...E } } fragment E on HealthCheckEvent { ... on HealthCheckEvent { type } }')).toEqual(['type']);
    expect(reads('subscription { healthCheckCompleted { uuid status } }')).toEqual(['healthCheckUuid']);
    expect(reads('subscription A { healthCheckCompleted { uuid } } subscription B { healthCheckUpdated { type } }', 'B')).toEqual(['type']);
  });

  it('counts a field a directive may leave out: more, never less', () => {
    expect(reads('subscription($t: Boolean!) { healthCheckUpdated { type @include(if: $t) healthCheck { uuid } } }')).toEqual(['healthCheckUuid', 'type']);
  });

  it('says all of it (null) for what the table does not know, or a document it cannot read', () => {
    const unknownChild = createSchemaExecutor({ schema, authenticate: async () => null, contextValue: () => ({}), eventReads: { healthCheckUpdated: { field: [], selection: { type: ['type'] } } } });
    expect(unknownChild.eventDependencies!({ query: 'subscription { healthCheckUpdated { healthCheck { uuid } } }', variables: null, operationName: null })).toBeNull();
    const noTable = createSchemaExecutor({ schema, authenticate: async () => null, contextValue: () => ({}) });
    expect(noTable.eventDependencies!({ query: 'subscription { healthCheckCompleted { uuid } }', variables: null, operationName: null })).toBeNull();
    expect(reads('subscription {')).toBeNull();
    expect(reads('subscription A { healthCheckCompleted { uuid } } subscription B { healthCheckCompleted { uuid } }')).toBeNull();
  });
});
