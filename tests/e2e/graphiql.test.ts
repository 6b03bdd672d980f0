/**
 * GraphiQL at /graphql in a real browser (headless Chromium, tests/e2e/helpers/browser.ts) against
 * wrangler dev, with every request to another origin blocked and recorded: the page must load,
 * run a query and a live subscription from the orchestrator alone, with the key pasted into its
 * Headers tab as a user would. Screenshots of each step go to .e2e/screenshots/graphiql-*.png.
 *
 * The tests run in order on one page, as one session: open, paste the key, query, subscribe, then
 * a wrong key.
 */
import type { Locator, Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET } from '../../fleet/manifest';
import { openBrowser, paste, type BrowserSession } from './helpers/browser';
import { graphqlData } from './helpers/graphql';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');
const WRONG_KEY = `wh_${'0'.repeat(64)}`;

const api = <T = any>(query: string, variables?: Record<string, unknown>) => graphqlData<T>(baseUrl, adminKey, query, variables);

/** One graphql-ws socket the page opened, with every message it sent and received, parsed. */
interface Socket {
  url: string;
  sent: any[];
  received: any[];
  closed: boolean;
}

let browser: BrowserSession;
let page: Page;
const sockets: Socket[] = [];
const posts: string[] = [];
const workerUrls: string[] = [];

// GraphiQL's parts (GraphiQL 5, as Yoga's GraphiQL renders it).
const queryEditor = () => page.locator('section.graphiql-query-editor .graphiql-editor');
const headersEditor = () => page.locator('section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)');
const result = () => page.locator('.graphiql-response .result-window');
const tab = (operationName: string) => page.locator(`.graphiql-tab-button[title="${operationName}"]`);
const runButton = () => page.locator('.graphiql-execute-button');

/** Replaces an editor's whole text by pasting, as a user would. */
async function replaceText(editor: Locator, text: string): Promise<void> {
  await editor.locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+KeyA');
  await paste(page, text);
}

/**
 * Puts a one-operation document into the operation editor and runs it. Waits for the tab to take
 * the operation's name first: GraphiQL reads the document's operations a moment after an edit,
 * and a click before that would act on the previous document.
 */
async function runOperation(name: string, document: string): Promise<void> {
  await replaceText(queryEditor(), document);
  await tab(name).waitFor();
  await runButton().click();
}

/** GraphiQL fills the window: the viewport is the page. */
const screenshot = (name: string) => browser.screenshot(name, { fullPage: false });

const showsText = (locator: Locator, text: string) => locator.filter({ hasText: text }).waitFor();

/** Chromium logs every answer >= 400 to the console, e.g. the API's 401 for a wrong key. */
const HTTP_401 = /Failed to load resource: the server responded with a status of 401/;

function noOutsideRequestsOrErrors(expected?: RegExp): void {
  expect(browser.outsideRequests, 'requests to other origins (blocked)').toEqual([]);
  expect(
    browser.pageErrors.filter((error) => !expected?.test(error)),
    'console errors and uncaught exceptions',
  ).toEqual([]);
}

beforeAll(async () => {
  browser = await openBrowser(baseUrl);
  page = browser.page;
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') posts.push(request.postData() ?? '');
  });
  page.on('worker', (worker) => workerUrls.push(worker.url()));
  page.on('websocket', (ws: WebSocket) => {
    const socket: Socket = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(socket);
    ws.on('framesent', (frame) => socket.sent.push(JSON.parse(String(frame.payload))));
    ws.on('framereceived', (frame) => socket.received.push(JSON.parse(String(frame.payload))));
    ws.on('close', () => (socket.closed = true));
  });
});

afterAll(async () => {
  await browser?.close();
});

describe('GraphiQL at /graphql, in Chromium that can reach the orchestrator and nothing else', () => {
  it('opens on the example operations with no error and no request before a key is pasted', async () => {
    const response = await page.goto(`${baseUrl}/graphql`);
    expect(response?.status()).toBe(200);
    await showsText(queryEditor(), 'query LatestRuns');
    await showsText(headersEditor(), 'Bearer <paste the API key here>');
    // Monaco's editor workers, all three from /graphiql/ on this origin.
    await expect
      .poll(() => workerUrls.map((url) => new URL(url).pathname).sort())
      .toEqual(['/graphiql/editor.worker.js', '/graphiql/graphql.worker.js', '/graphiql/json.worker.js']);
    expect(workerUrls.every((url) => new URL(url).origin === browser.origin)).toBe(true);

    // The schema request waits for a key: nothing was asked, so nothing failed.
    expect(posts).toEqual([]);
    expect(await result().innerText()).toBe('');
    expect(browser.failedResponses).toEqual([]);
    noOutsideRequestsOrErrors();
    await screenshot('graphiql-before-key');
  });

  it('loads the schema once the key is pasted into the Headers tab, and runs a query with it', async () => {
    const introspection = page.waitForRequest((request) => request.method() === 'POST' && (request.postData() ?? '').includes('IntrospectionQuery'));
    await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
    await replaceText(headersEditor(), JSON.stringify({ Authorization: `Bearer ${adminKey}` }, null, 2));
    const schemaResponse = await (await introspection).response();
    expect(schemaResponse?.status()).toBe(200);
    expect(((await schemaResponse!.json()) as any).data.__schema.queryType.name).toBe('Query');

    const { healthChecks } = await api<{ healthChecks: { totalCount: number } }>('{ healthChecks(first: 1) { totalCount } }');
    await runOperation('E2ERunCount', 'query E2ERunCount { healthChecks(first: 1) { totalCount } }');
    await showsText(result(), `"totalCount": ${healthChecks.totalCount}`);
    expect(posts.at(-1)).toContain('E2ERunCount');
    expect(browser.failedResponses).toEqual([]);
    noOutsideRequestsOrErrors();
    await screenshot('graphiql-query');
  });

  it('follows a whole run live over graphql-ws, the Headers tab key as the connection_init payload', async () => {
    const subscription = `subscription E2EFollowRun {
  healthCheckUpdated {
    type
    healthCheck { uuid status completedWorkers totalWorkers healthStatus }
    workerResult { workerName status }
  }
}`;
    const before = sockets.length;
    await runOperation('E2EFollowRun', subscription);
    // Subscribed: graphql-ws sends `subscribe` only once the hub acknowledged the key.
    await expect.poll(() => sockets[before]?.sent.some((message) => message.type === 'subscribe'), { timeout: 15_000 }).toBe(true);
    const socket = sockets[before]!;
    expect(new URL(socket.url).origin).toBe(browser.origin.replace(/^http/, 'ws'));
    expect(socket.sent[0]).toEqual({ type: 'connection_init', payload: { authorization: `Bearer ${adminKey}` } });
    expect(socket.received[0]).toEqual({ type: 'connection_ack' });

    // Started from outside while GraphiQL listens.
    const { initiateHealthCheck } = await api<{ initiateHealthCheck: { healthCheckUuid: string } }>(
      'mutation ($input: InitiateHealthCheckInput) { initiateHealthCheck(input: $input) { healthCheckUuid } }',
      { input: { triggerSource: 'e2e-graphiql', workerFilters: FLEET.map((worker) => worker.name) } },
    );
    const uuid = initiateHealthCheck.healthCheckUuid;
    const events = () =>
      socket.received
        .filter((message) => message.type === 'next')
        .map((message) => message.payload.data.healthCheckUpdated)
        .filter((event) => event.healthCheck.uuid === uuid);
    await expect.poll(() => events().at(-1)?.type, { timeout: 60_000, interval: 100 }).toBe('COMPLETED');
    expect(events().map((event) => event.type)).toEqual(['STARTED', ...FLEET.map(() => 'WORKER_RESULT'), 'COMPLETED']);
    expect(events().slice(1, -1).map((event) => event.workerResult.workerName).sort()).toEqual(FLEET.map((worker) => worker.name).sort());

    // GraphiQL shows the latest event: the completed run.
    await showsText(result(), uuid);
    await showsText(result(), '"type": "COMPLETED"');
    noOutsideRequestsOrErrors();
    await screenshot('graphiql-subscription');

    // Stop: the subscription is completed, as the protocol says.
    await runButton().click();
    await expect.poll(() => socket.sent.some((message) => message.type === 'complete')).toBe(true);
  });

  it('shows the 4403 of a wrong key in GraphiQL instead of retrying, and the API refusing it', async () => {
    await replaceText(headersEditor(), JSON.stringify({ Authorization: `Bearer ${WRONG_KEY}` }, null, 2));
    const before = sockets.length;
    await runOperation('E2EWrongKey', 'subscription E2EWrongKey { healthCheckCompleted { uuid } }');
    await showsText(result(), '4403');
    await showsText(result(), 'UNAUTHENTICATED');
    // One socket with the wrong key, refused and closed; the error shows only once the client
    // has given up, so it is not reconnecting behind it.
    const refused = sockets.slice(before);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.sent[0]).toEqual({ type: 'connection_init', payload: { authorization: `Bearer ${WRONG_KEY}` } });
    await expect.poll(() => refused[0]!.closed).toBe(true);
    expect(refused[0]!.received).toEqual([]);
    await screenshot('graphiql-wrong-key');

    await runOperation('E2EWrongKeyQuery', 'query E2EWrongKeyQuery { workers { name } }');
    await showsText(result(), 'The API key is unknown or revoked.');
    expect(sockets.slice(before)).toHaveLength(1);
    expect(browser.failedResponses.map(({ method, status }) => `${method} ${status}`)).toEqual(['POST 401']);
    noOutsideRequestsOrErrors(HTTP_401);
  });
});
