/**
 * The dashboard at / in a real browser (headless Chromium, tests/e2e/helpers/browser.ts) against
 * wrangler dev, with every request to another origin blocked and recorded, so a CDN or a web font
 * would fail it: it asks for the key and keeps it only in the browser, shows the fleet with the
 * open alert first, starts a run and shows it complete live over graphql-ws, opens the run's
 * detail and the degraded worker's (ui-factory) chart, reads on a phone, shows a viewer key no
 * button it cannot use, and lets an operator acknowledge the alert. Screenshots of each page go
 * to .e2e/screenshots/dashboard-*.png.
 *
 * The tests run in order on one page, as one person's session.
 */
import type { Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FLEET } from '../../fleet/manifest';
import { startAlertReceiver } from '../workers/alert-receiver';
import { openBrowser, type BrowserSession } from './helpers/browser';
import { graphqlData, until } from './helpers/graphql';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');
const STORAGE_KEY = 'worker-health.apiKey';
const RULE = 'e2e-dashboard-ui-degraded';
const CHANNEL = 'e2e-dashboard-receiver';
const VIEWER = `e2e-dashboard-viewer-${Date.now()}`;

const api = <T = any>(query: string, variables?: Record<string, unknown>) => graphqlData<T>(baseUrl, adminKey, query, variables);


/** A run of the demo fleet, started over the API, to its end. */
async function runToEnd(triggerSource: string): Promise<string> {
  const { initiateHealthCheck } = await api('mutation ($input: InitiateHealthCheckInput) { initiateHealthCheck(input: $input) { healthCheckUuid } }', {
    input: { triggerSource, workerFilters: FLEET.map((worker) => worker.name) },
  });
  const uuid: string = initiateHealthCheck.healthCheckUuid;
  await until(async () => (await api('query ($uuid: ID!) { healthCheck(uuid: $uuid) { status } }', { uuid })).healthCheck.status, (status) => status !== 'RUNNING', 'the seeded run');
  return uuid;
}

const openAlerts = async () =>
  ((await api('{ alerts(status: OPEN, first: 100) { edges { node { id rule workerName status } } } }')).alerts.edges as { node: any }[])
    .map((edge) => edge.node)
    .filter((alert) => alert.rule === RULE);

/** One graphql-ws socket the page opened, with every message it sent and received, parsed. */
interface Socket {
  url: string;
  sent: any[];
  received: any[];
}

let browser: BrowserSession;
let page: Page;
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;
let viewerKey: string;
let runUuid: string;
const sockets: Socket[] = [];

const storage = () =>
  page.evaluate((key) => {
    const scope = globalThis as unknown as { localStorage: { getItem(k: string): string | null }; sessionStorage: { getItem(k: string): string | null } };
    return { local: scope.localStorage.getItem(key), session: scope.sessionStorage.getItem(key) };
  }, STORAGE_KEY);

function noOutsideRequestsOrErrors(): void {
  expect(browser.outsideRequests, 'requests to other origins (blocked)').toEqual([]);
  expect(browser.pageErrors, 'console errors and uncaught exceptions').toEqual([]);
  expect(browser.failedResponses, 'same-origin answers >= 400').toEqual([]);
}

/** Forgets the key, then opens the dashboard with another. */
async function signIn(key: string, remember: boolean): Promise<void> {
  const forget = page.getByRole('button', { name: 'Forget key' });
  if (await forget.isVisible()) await forget.click();
  await page.getByRole('heading', { name: 'Open the dashboard' }).waitFor();
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('Remember on this device').setChecked(remember);
  await page.getByRole('button', { name: 'Open dashboard' }).click();
  await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
}

beforeAll(async () => {
  // An alert to see first and acknowledge: ui-factory is degraded on purpose (its slow
  // performance tests), so a rule on "degraded for 2 checks" opens one after two runs.
  receiver = await startAlertReceiver();
  await api('mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { signingSecret } }', {
    input: { name: CHANNEL, kind: 'WEBHOOK', url: `${receiver.url}/webhook/dashboard` },
  });
  await api('mutation ($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { name } }', {
    input: { name: RULE, workerFilters: ['ui-factory'], openAt: 'DEGRADED', failureThreshold: 2, successThreshold: 2, channels: [CHANNEL] },
  });
  // Some history: sparklines, baselines for the analysis, points on the chart.
  for (let i = 0; i < 3; i++) await runToEnd(`e2e-dashboard-seed-${i}`);
  await until(openAlerts, (alerts) => alerts.length === 1, 'the ui-factory alert');
  viewerKey = (await api('mutation ($name: String!) { createApiKey(name: $name, role: VIEWER) { key } }', { name: VIEWER })).createApiKey.key;

  browser = await openBrowser(baseUrl);
  page = browser.page;
  page.on('websocket', (ws: WebSocket) => {
    const socket: Socket = { url: ws.url(), sent: [], received: [] };
    sockets.push(socket);
    ws.on('framesent', (frame) => socket.sent.push(JSON.parse(String(frame.payload))));
    ws.on('framereceived', (frame) => socket.received.push(JSON.parse(String(frame.payload))));
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  // Leave the shared stack as it was: the rule (its alerts closed with it), the channel, the key.
  await api(`mutation { deleteAlertRule(name: "${RULE}") }`).catch(() => {});
  await api(`mutation { deleteAlertChannel(name: "${CHANNEL}") }`).catch(() => {});
  await api(`mutation { revokeApiKey(name: "${VIEWER}") { name } }`).catch(() => {});
  await receiver?.close();
});

describe('the dashboard at /, in Chromium that can reach the orchestrator and nothing else', () => {
  it('asks for an API key, checks it, and keeps it only in this browser', async () => {
    const response = await page.goto(`${baseUrl}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    await page.getByRole('heading', { name: 'Open the dashboard' }).waitFor();
    // Landmarks and a labelled field.
    await expect.poll(() => page.getByRole('banner').count()).toBe(1);
    expect(await page.getByRole('main').count()).toBe(1);
    expect(await page.getByRole('contentinfo').count()).toBe(1);
    expect(await storage()).toEqual({ local: null, session: null });
    await browser.screenshot('dashboard-key', { fullPage: false });

    // A wrong key is refused and not kept.
    await page.getByLabel('API key').fill(`wh_${'0'.repeat(64)}`);
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not know this key' }).waitFor();
    expect(await storage()).toEqual({ local: null, session: null });
    browser.failedResponses.length = 0; // the API's 401 for it
    browser.pageErrors.splice(0, browser.pageErrors.length, ...browser.pageErrors.filter((error) => !/status of 401/.test(error)));

    // With the keyboard alone: from the top of the page, Tab reaches the field (after the skip
    // link and the home link), and Enter submits.
    await page.reload();
    await page.getByRole('heading', { name: 'Open the dashboard' }).waitFor();
    const focused = () => page.evaluate(() => (globalThis as any).document.activeElement?.id ?? null);
    for (let presses = 0; presses < 4 && (await focused()) !== 'api-key'; presses++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('api-key');
    await page.keyboard.type(adminKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    expect(await storage()).toEqual({ local: adminKey, session: null });
    await page.getByText('bootstrap-admin').waitFor();
    noOutsideRequestsOrErrors();
  });

  it('shows the fleet: the open alert first, then every worker with its latest status, score, uptime and sparkline', async () => {
    const alerts = page.getByRole('region', { name: /Open alerts/ });
    await alerts.getByText('ui-factory').first().waitFor();
    // Open alerts come before the workers.
    const headings = await page.getByRole('heading', { level: 2 }).allInnerTexts();
    expect(headings.findIndex((text) => text.startsWith('Open alerts'))).toBeLessThan(headings.findIndex((text) => text.startsWith('Workers')));
    expect(await alerts.getByRole('button', { name: 'Acknowledge the alert on ui-factory' }).count()).toBe(1);

    for (const worker of FLEET) {
      const row = page.locator(`tr[data-worker="${worker.name}"]`);
      await row.locator('svg.sparkline').waitFor();
      expect(await row.locator('td[data-label="Uptime 24 h"]').innerText()).toMatch(/^\d+(\.\d)?%$/);
      expect(await row.locator('td[data-label="Score"]').innerText()).toMatch(/^[01]\.\d\d$/);
    }
    expect(await page.locator('tr[data-worker="ui-factory"] td[data-label="Latest"]').innerText()).toBe('Degraded');
    expect(await page.locator('tr[data-worker="agent-factory"] td[data-label="Latest"]').innerText()).toBe('Healthy');
    await page.getByText('Live: runs appear as they happen').waitFor();
    noOutsideRequestsOrErrors();
    await browser.screenshot('dashboard-fleet');
  });

  it('starts a run and shows it complete live: each worker as it lands, the final score and the analysis', async () => {
    await page.getByRole('button', { name: 'Start a check' }).click();
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
    runUuid = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
    await page.getByRole('heading', { name: /^Run [0-9a-f]{8}/, level: 1 }).waitFor();

    // Its story, from the subscription: started, a result per worker, ended.
    const log = page.getByRole('log', { name: /Events of this run/ });
    await log.getByText('Run ended: Completed').waitFor({ timeout: 60_000 });
    const entries = await log.locator('li').evaluateAll((items) => items.map((item) => item.getAttribute('data-type')));
    expect(entries).toEqual(['STARTED', ...FLEET.map(() => 'WORKER_RESULT'), 'COMPLETED']);
    await page.getByText(`${FLEET.length} of ${FLEET.length} workers reported`).waitFor();
    for (const worker of FLEET) expect(await page.locator(`.results-table tr[data-worker="${worker.name}"]`).getAttribute('data-status')).toBe('COMPLETED');
    await page.getByText('Final score').waitFor();

    // Over graphql-ws on this origin (the fleet page's socket, or one of its own), the key in
    // connection_init, this run's story received.
    const events = () =>
      sockets
        .flatMap((socket) => socket.received)
        .filter((message) => message.type === 'next' && message.payload.data?.healthCheckUpdated?.healthCheck.uuid === runUuid)
        .map((message) => message.payload.data.healthCheckUpdated);
    await expect.poll(() => events().some((event) => event.type === 'COMPLETED')).toBe(true);
    expect([...new Set(events().map((event) => event.sequence))].sort((a, b) => a - b)).toEqual(Array.from({ length: FLEET.length + 2 }, (_, i) => i + 1));
    const socket = sockets.find((candidate) => candidate.sent.some((message) => message.type === 'subscribe' && message.payload.variables?.uuid === runUuid))!;
    expect(new URL(socket.url).origin).toBe(browser.origin.replace(/^http/, 'ws'));
    expect(socket.sent[0]).toEqual({ type: 'connection_init', payload: { authorization: `Bearer ${adminKey}` } });

    // The analysis, once the run ended, with recommendations by severity.
    const analysis = page.getByRole('region', { name: 'Analysis' });
    await analysis.getByText(/overall health score/).waitFor();
    await analysis.getByText('Written by rules.').waitFor();
    await analysis.getByRole('region', { name: 'Medium severity' }).getByText('ui-factory').first().waitFor();
    noOutsideRequestsOrErrors();
    await browser.screenshot('dashboard-run');
  });

  it("opens the run's detail: every test with its duration and error, baselines and regressions, recommendations by severity", async () => {
    await page.getByRole('link', { name: 'Every test, baselines and regressions' }).click();
    await page.waitForURL(/\/detail$/);
    await page.getByRole('heading', { name: /^Run detail/, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Recommendations by severity' }).waitFor();

    const { healthCheck } = await api(
      'query ($uuid: ID!) { healthCheck(uuid: $uuid) { workerResults { workerName unitTests { total } performanceTests { total } integrationTests { total } } } }',
      { uuid: runUuid },
    );
    for (const worker of healthCheck.workerResults as any[]) {
      const section = page.locator(`section.worker-detail[data-worker="${worker.workerName}"]`);
      await section.waitFor();
      const total = worker.unitTests.total + worker.performanceTests.total + worker.integrationTests.total;
      expect(await section.locator('.tests-table tbody tr').count()).toBe(total);
      expect(await section.locator('.tests-table td[data-label="Duration"]').allInnerTexts()).toEqual(Array.from({ length: total }, () => expect.stringMatching(/ m?s$/)));
    }
    // ui-factory's slow performance tests, failed with their error, against their baselines.
    const ui = page.locator('section.worker-detail[data-worker="ui-factory"]');
    const failed = ui.locator('.tests-table tr[data-status="FAILED"]');
    expect(await failed.count()).toBeGreaterThanOrEqual(2);
    expect(await failed.locator('td[data-label="Error"]').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/budget 25 ms/)]));
    const findings = await ui.locator('.findings li').allInnerTexts();
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((text) => /baseline/.test(text))).toBe(true);
    await ui.getByRole('region', { name: 'Medium severity' }).waitFor();
    noOutsideRequestsOrErrors();
    await browser.screenshot('dashboard-run-detail');
  });

  it("opens the degraded worker's page: its score chart with the health bands, uptime, trend and recent checks", async () => {
    await page.locator('section.worker-detail[data-worker="ui-factory"] h2').getByRole('link', { name: 'ui-factory' }).click();
    await page.waitForURL(/#\/workers\/ui-factory$/);
    await page.getByRole('heading', { name: /^ui-factory/, level: 1 }).waitFor();
    const chart = page.locator('figure.chart svg[role="img"]');
    await chart.waitFor();

    const { workerTrend } = await api('{ workerTrend(workerName: "ui-factory", lastChecks: 100) { history { score healthStatus } } }');
    expect(workerTrend.history.length).toBeGreaterThanOrEqual(4);
    expect(await chart.locator('circle.dot').count()).toBe(workerTrend.history.length);
    expect(await chart.locator('circle.dot').last().getAttribute('class')).toContain('band-fill-degraded');
    expect(await chart.locator('text.band-label').allTextContents()).toEqual(['Healthy', 'Degraded', 'Unhealthy', 'Critical']);
    expect(await chart.locator('line.threshold').count()).toBe(3);
    expect(await page.locator('#chart-caption').innerText()).toMatch(/ui-factory's score over its last \d+ checks/);
    for (const window of ['Last 24 h', 'Last 7 d', 'Last 30 d']) await page.getByText(window, { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Trend and prediction' }).waitFor();
    expect(await page.getByRole('region', { name: 'Recent checks' }).locator('tbody tr').count()).toBe(Math.min(15, workerTrend.history.length));
    noOutsideRequestsOrErrors();
    await browser.screenshot('dashboard-worker-ui-factory');
  });

  it('reads on a phone: no sideways scrolling, tables as cards', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${baseUrl}/#/`);
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await page.locator('tr[data-worker="ui-factory"] svg.sparkline').waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.locator('.workers-table thead').evaluate((head) => head.getBoundingClientRect().height)).toBeLessThanOrEqual(1);
    noOutsideRequestsOrErrors();
    await browser.screenshot('dashboard-fleet-phone');
    // Opened after its end, the run's story is replayed by the subscription, at once: the
    // session's socket stayed open across pages.
    await page.goto(`${baseUrl}/#/runs/${runUuid}`);
    await page.getByText('Final score').waitFor();
    await page.getByRole('log', { name: /Events of this run/ }).getByText('Run ended: Completed').waitFor({ timeout: 5_000 });
    expect(await page.getByRole('log', { name: /Events of this run/ }).locator('li').count()).toBe(FLEET.length + 2);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await browser.screenshot('dashboard-run-phone');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('shows a viewer key no button it cannot use: no start, no acknowledge', async () => {
    await page.goto(`${baseUrl}/#/`);
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    await signIn(viewerKey, false);
    expect(await storage()).toEqual({ local: null, session: viewerKey });
    await page.getByText(VIEWER).waitFor();
    await page.locator('.role-badge').filter({ hasText: 'Viewer' }).waitFor();
    // Everything is there to read, the alert included…
    await page.getByRole('region', { name: /Open alerts/ }).getByText('ui-factory').first().waitFor();
    await page.locator('tr[data-worker="ui-factory"] svg.sparkline').waitFor();
    // …and no button it may not use.
    expect(await page.getByRole('button', { name: 'Start a check' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0);
    await page.getByText('Your key is a viewer key').waitFor();
    noOutsideRequestsOrErrors();
    await browser.screenshot('dashboard-viewer');
  });

  it('lets an operator acknowledge the open alert, and forgets the key on request', async () => {
    await signIn(adminKey, true);
    const alerts = page.getByRole('region', { name: /Open alerts/ });
    await alerts.getByRole('button', { name: 'Acknowledge the alert on ui-factory' }).click();
    await alerts.getByText('No open alerts.').waitFor();
    await page.getByText('Acknowledged, still unresolved').waitFor();
    expect(await openAlerts()).toEqual([]);
    noOutsideRequestsOrErrors();

    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.getByRole('heading', { name: 'Open the dashboard' }).waitFor();
    expect(await storage()).toEqual({ local: null, session: null });
    await page.reload();
    await page.getByRole('heading', { name: 'Open the dashboard' }).waitFor();
  });
});
