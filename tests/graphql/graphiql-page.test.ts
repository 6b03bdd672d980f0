/**
 * GraphiQL's page and its fetcher (http/graphiql.ts, http/graphiql-fetcher.ts). The page loads
 * only files of this origin under /graphiql/ and forbids anything else by CSP; its example
 * operations are valid; the fetcher holds the schema request until a key is pasted, and speaks
 * graphql-ws with exactly `{ authorization }` as the connection_init payload, one client per key,
 * showing a 4403 rather than reconnecting. tests/e2e/graphiql.test.ts runs it all in Chromium.
 */
import { env, exports } from 'cloudflare:workers';
import { getOperationAST, parse, validate, type OperationDefinitionNode } from 'graphql';
import type { Client, ClientOptions, Sink } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { GRAPHIQL_ASSET_PATH, GRAPHIQL_CSP, GRAPHIQL_FILES, GRAPHIQL_OPTIONS_ELEMENT, renderGraphiQLPage } from '../../http/graphiql';
import { createGraphiQLFetcher, type FetcherResult, type Observable } from '../../http/graphiql-fetcher';
import { serveGraphQL } from '../../http/serve';
import { buildYoga } from '../../http/yoga';
import { schema } from '../../schema';
import { ADMIN_KEY, withExecutionContext } from '../helpers/graphql';

const PLACEHOLDER = { Authorization: 'Bearer <paste the API key here>' };

async function page(): Promise<string> {
  const response = await exports.default.fetch('http://orchestrator/graphql', { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/html');
  return response.text();
}

const optionsOf = (html: string) =>
  JSON.parse(new RegExp(`<script type="application/json" id="${GRAPHIQL_OPTIONS_ELEMENT}">(.*?)</script>`, 's').exec(html)![1]!) as Record<string, any>;

describe('the GraphiQL page', () => {
  it('loads its styles, scripts and icon from /graphiql/ on this origin, and its CSP allows nothing else', async () => {
    const html = await page();
    const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]);
    expect(urls.sort()).toEqual(
      [GRAPHIQL_FILES.css, GRAPHIQL_FILES.favicon, GRAPHIQL_FILES.script, GRAPHIQL_FILES.start].map((file) => `${GRAPHIQL_ASSET_PATH}/${file}`).sort(),
    );
    expect(html).not.toMatch(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${GRAPHIQL_CSP}">`);
    for (const directive of GRAPHIQL_CSP.split('; ')) {
      // Only 'self', 'none', 'unsafe-inline' (styles) and data: (fonts, icons in the CSS): no host.
      expect(directive.split(' ').slice(1).every((source) => ["'self'", "'none'", "'unsafe-inline'", 'data:'].includes(source)), directive).toBe(true);
    }
  });

  it('opens on a valid example of each kind of operation and the Headers tab with a placeholder key', async () => {
    const options = optionsOf(await page());
    const document = parse(options.defaultQuery);
    expect(validate(schema, document)).toEqual([]);
    const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition');
    expect(operations.map((operation) => [operation.operation, operation.name?.value])).toEqual([
      ['query', 'LatestRuns'],
      ['mutation', 'StartRun'],
      ['subscription', 'FollowRuns'],
    ]);
    expect(JSON.parse(options.defaultHeaders)).toEqual(PLACEHOLDER);
    expect(options.defaultEditorToolsVisibility).toBe('headers');
    expect(options.subscriptionsProtocol).toBeUndefined(); // our fetcher, not Yoga's
  });

  it('keeps its options inside their JSON block, whatever they hold', () => {
    const html = renderGraphiQLPage({ title: '<b>x</b>', defaultQuery: '</script><script>alert(1)</script><!--' });
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).not.toContain('<!--');
    expect(html).toContain('<title>&#60;b&#62;x&#60;/b&#62; GraphiQL</title>');
    expect(optionsOf(html).defaultQuery).toBe('</script><script>alert(1)</script><!--');
  });

  it('is served in production only when GRAPHIQL says so', async () => {
    const production = { ...env, ENVIRONMENT: 'production' } as unknown as Env;
    const get = (settings: Env) =>
      withExecutionContext((ctx) => serveGraphQL(new Request('http://orchestrator/graphql', { headers: { accept: 'text/html' } }), settings, ctx, buildYoga(settings)));
    expect((await get(production)).headers.get('content-type') ?? '').not.toContain('text/html');
    const opened = { ...production, GRAPHIQL: 'true' } as unknown as Env;
    expect(await (await get(opened)).text()).toContain(`${GRAPHIQL_ASSET_PATH}/${GRAPHIQL_FILES.script}`);
  });
});

/** A stand-in graphql-ws client: what it was created with, what was subscribed, and its sinks. */
interface FakeClient {
  options: ClientOptions;
  subscriptions: { payload: unknown; sink: Sink; unsubscribed: boolean }[];
  disposed: boolean;
}

function fakeClients() {
  const created: FakeClient[] = [];
  const createClient = (options: ClientOptions): Client => {
    const fake: FakeClient = { options, subscriptions: [], disposed: false };
    created.push(fake);
    return {
      subscribe(payload: unknown, sink: Sink) {
        const subscription = { payload, sink, unsubscribed: false };
        fake.subscriptions.push(subscription);
        return () => (subscription.unsubscribed = true);
      },
      dispose() {
        fake.disposed = true;
      },
    } as unknown as Client;
  };
  return { created, createClient };
}

/** Subscribes like GraphiQL does and collects what it is shown. */
function watch(observable: Observable<FetcherResult>) {
  const shown: FetcherResult[] = [];
  let completed = false;
  const subscription = observable.subscribe({ next: (result) => shown.push(result), error: (error) => shown.push({ errors: [{ message: String(error) }] }), complete: () => (completed = true) });
  return { shown, completed: () => completed, stop: () => subscription.unsubscribe() };
}

const SUBSCRIPTION = { query: 'subscription Follow { healthCheckCompleted { uuid } }', operationName: 'Follow' };
const urls = { url: 'http://orchestrator/graphql', wsUrl: 'ws://orchestrator/graphql' };

describe("GraphiQL's fetcher", () => {
  it("holds GraphiQL's schema request until a key is in the Headers tab, then sends it with that key", async () => {
    const sent: Headers[] = [];
    const { fetcher, onEditHeaders } = createGraphiQLFetcher({
      ...urls,
      fetch: (input, init) => {
        sent.push(new Headers(init?.headers));
        return exports.default.fetch(input as string, init);
      },
    });
    const introspection = fetcher({ query: 'query IntrospectionQuery { __schema { queryType { name } } }', operationName: 'IntrospectionQuery' }, { headers: PLACEHOLDER });
    let settled = false;
    void (introspection as Promise<FetcherResult>).then(() => (settled = true));
    onEditHeaders('{ "Authorization": "Bearer <paste the API key here>" }');
    onEditHeaders('{ "Authorization": "Bearer wh_'); // half pasted: not JSON yet
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    expect(sent).toEqual([]);

    onEditHeaders(JSON.stringify({ authorization: `Bearer ${ADMIN_KEY}` }));
    expect(((await introspection) as any).data.__schema.queryType.name).toBe('Query');
    expect(sent.map((headers) => headers.get('authorization'))).toEqual([`Bearer ${ADMIN_KEY}`]);
  });

  it('sends queries with the Headers tab headers, leaving out the placeholder so the server says a key is missing', async () => {
    const { fetcher } = createGraphiQLFetcher({ ...urls, fetch: (input, init) => exports.default.fetch(input as string, init) });
    const withKey = (await fetcher({ query: '{ workers { name } }' }, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } })) as any;
    expect(withKey.errors).toBeUndefined();
    const placeholder = (await fetcher({ query: '{ workers { name } }' }, { headers: PLACEHOLDER })) as any;
    expect(placeholder.errors[0].message).toMatch(/Authentication required/);
    const wrong = (await fetcher({ query: '{ workers { name } }' }, { headers: { Authorization: 'Bearer wh_wrong' } })) as any;
    expect(wrong.errors[0].message).toBe('The API key is unknown or revoked.');
  });

  it('subscribes over graphql-ws with { authorization } as the whole connection_init payload, one client per key', () => {
    const { created, createClient } = fakeClients();
    const { fetcher } = createGraphiQLFetcher({ ...urls, createClient });
    const first = watch(fetcher(SUBSCRIPTION, { headers: { Authorization: 'Bearer wh_a' } }) as Observable<FetcherResult>);
    watch(fetcher(SUBSCRIPTION, { headers: { authorization: 'Bearer wh_a' } }) as Observable<FetcherResult>);
    watch(fetcher(SUBSCRIPTION, { headers: { Authorization: 'Bearer wh_b' } }) as Observable<FetcherResult>);
    expect(created.map((client) => [client.options.url, client.options.connectionParams])).toEqual([
      ['ws://orchestrator/graphql', { authorization: 'Bearer wh_a' }],
      ['ws://orchestrator/graphql', { authorization: 'Bearer wh_b' }],
    ]);
    expect(created[0]!.subscriptions.map((subscription) => subscription.payload)).toEqual([
      { query: SUBSCRIPTION.query, operationName: 'Follow', variables: null },
      { query: SUBSCRIPTION.query, operationName: 'Follow', variables: null },
    ]);

    created[0]!.subscriptions[0]!.sink.next({ data: { healthCheckCompleted: { uuid: 'u1' } } });
    expect(first.shown).toEqual([{ data: { healthCheckCompleted: { uuid: 'u1' } } }]);
    first.stop(); // GraphiQL's stop button
    expect(created[0]!.subscriptions[0]!.unsubscribed).toBe(true);
  });

  it('never retries a 4403 (other closes are retried by graphql-ws as usual)', () => {
    const { created, createClient } = fakeClients();
    const { fetcher } = createGraphiQLFetcher({ ...urls, createClient });
    watch(fetcher(SUBSCRIPTION, { headers: PLACEHOLDER }) as Observable<FetcherResult>);
    const { shouldRetry, connectionParams } = created[0]!.options;
    expect(connectionParams).toEqual({}); // no key, no payload: the hub refuses it
    expect(shouldRetry!({ code: 4403, reason: 'Forbidden' })).toBe(false);
    expect(shouldRetry!({ code: 1006, reason: '' })).toBe(true);
  });

  it('shows a 4403 as an UNAUTHENTICATED error, ends the subscription and opens a new socket next time', () => {
    const { created, createClient } = fakeClients();
    const { fetcher } = createGraphiQLFetcher({ ...urls, createClient });
    const refused = watch(fetcher(SUBSCRIPTION, { headers: { Authorization: 'Bearer wh_wrong' } }) as Observable<FetcherResult>);
    created[0]!.subscriptions[0]!.sink.error({ code: 4403, reason: 'Forbidden' });
    expect(refused.shown).toHaveLength(1);
    expect(refused.shown[0]!.errors![0]!.message).toMatch(/^The subscription socket was closed with 4403 Forbidden: the key from the Headers tab/);
    expect(refused.shown[0]!.errors![0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', closeCode: 4403, closeReason: 'Forbidden' });
    expect(refused.completed()).toBe(true);
    expect(created[0]!.disposed).toBe(true);

    watch(fetcher(SUBSCRIPTION, { headers: { Authorization: 'Bearer wh_wrong' } }) as Observable<FetcherResult>);
    expect(created).toHaveLength(2);
  });

  it("shows an operation's GraphQL errors and keeps its socket for the next subscription", () => {
    const { created, createClient } = fakeClients();
    const { fetcher } = createGraphiQLFetcher({ ...urls, createClient });
    const invalid = watch(fetcher(SUBSCRIPTION, { headers: { Authorization: 'Bearer wh_a' } }) as Observable<FetcherResult>);
    const errors = [{ message: 'Cannot query field "nope" on type "HealthCheck".', extensions: { code: 'BAD_USER_INPUT' } }];
    created[0]!.subscriptions[0]!.sink.error(errors);
    expect(invalid.shown).toEqual([{ errors }]);
    expect(created[0]!.disposed).toBe(false);
    watch(fetcher(SUBSCRIPTION, { headers: { Authorization: 'Bearer wh_a' } }) as Observable<FetcherResult>);
    expect(created).toHaveLength(1);
  });

  it('sends only subscriptions over the socket', () => {
    const { created, createClient } = fakeClients();
    const { fetcher } = createGraphiQLFetcher({ ...urls, createClient, fetch: () => Promise.resolve(Response.json({ data: {} })) });
    const document = 'query A { workers { name } } subscription B { healthCheckCompleted { uuid } }';
    expect(getOperationAST(parse(document), 'A')?.operation).toBe('query');
    expect(fetcher({ query: document, operationName: 'A' }, { headers: {} })).toBeInstanceOf(Promise);
    expect(created).toHaveLength(0);
    expect(fetcher({ query: document, operationName: 'B' }, { headers: {} })).not.toBeInstanceOf(Promise);
  });
});
