/**
 * A real browser for the e2e suite: Debian's Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH),
 * headless, driven by playwright-core, that can reach the stack's origin and nothing else.
 *
 * Every request to another origin (http(s), WebSocket, a navigation) is blocked and recorded, so a
 * page that needs a CDN, a web font or a remote favicon fails its test instead of working only
 * online. Console errors, uncaught page errors and same-origin answers >= 400 are recorded too,
 * for tests to assert on. Screenshots go to .e2e/screenshots/ (gitignored; README links it).
 *
 *   const browser = await openBrowser(baseUrl);          // in beforeAll
 *   await browser.page.goto(`${baseUrl}/graphql`);
 *   …
 *   await paste(browser.page, key);                      // clipboard + Ctrl+V, as a user pastes
 *   await browser.screenshot('graphiql-query');          // .e2e/screenshots/graphiql-query.png
 *   expect(browser.outsideRequests).toEqual([]);
 *   await browser.close();                               // in afterAll
 *
 * No Chromium is an error naming the fix (apt-get install chromium; .ci/run does it), never a skip.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../../../scripts/dev-vars';

/** The Chromium the tests drive: Debian's package (`apt-get install chromium`), or CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where screenshots are written (a test artifact; gitignored with the rest of .e2e/). */
export const SCREENSHOT_DIR = path.join(ROOT, '.e2e', 'screenshots');

export interface OutsideRequest {
  url: string;
  method: string;
  /** Playwright's resource type (document, stylesheet, script, font, image, fetch, websocket, …). */
  resourceType: string;
}

export interface FailedResponse {
  url: string;
  method: string;
  status: number;
}

export interface OpenBrowserOptions {
  /** The viewport of the page (and of new pages). Default 1440×900, a laptop. */
  viewport?: { width: number; height: number };
  /** Default timeout of every wait and action, in ms. Default 20 s. */
  timeoutMs?: number;
}

export interface BrowserSession {
  readonly browser: Browser;
  /** One context: its pages share storage (a key kept in localStorage stays for the next page). */
  readonly context: BrowserContext;
  /** A page already open (about:blank) in the context. */
  readonly page: Page;
  /** The one origin that may be reached, e.g. http://localhost:40123. */
  readonly origin: string;
  /** Every request to another origin, each blocked, in order. */
  readonly outsideRequests: OutsideRequest[];
  /** `console.error` messages and uncaught exceptions of every page, in order. */
  readonly pageErrors: string[];
  /** Same-origin answers with a status >= 400 (a missing asset, a 401 from the API…), in order. */
  readonly failedResponses: FailedResponse[];
  /** Another page in the same context, with the same guards. */
  newPage(): Promise<Page>;
  /**
   * Writes a PNG of `page` (default: the first) to .e2e/screenshots/<name>.png and returns its
   * path: the whole page, or only the viewport with `fullPage: false` (for full-height apps).
   */
  screenshot(name: string, options?: { page?: Page; fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/** Launches headless Chromium. Throws, saying how to install it, when it is not there. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}, and the browser tests need it: ` +
        '`apt-get install -y chromium` (Debian; .ci/run installs it), or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}

/** Opens Chromium with one context that may reach `baseUrl`'s origin and nothing else. */
export async function openBrowser(baseUrl: string, options: OpenBrowserOptions = {}): Promise<BrowserSession> {
  const origin = new URL(baseUrl).origin;
  const wsOrigin = origin.replace(/^http/, 'ws');
  const outsideRequests: OutsideRequest[] = [];
  const pageErrors: string[] = [];
  const failedResponses: FailedResponse[] = [];
  const timeout = options.timeoutMs ?? 20_000;

  const browser = await launchChromium();
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1440, height: 900 },
    // A service worker's requests would bypass the routes below.
    serviceWorkers: 'block',
  });
  // For paste(): the page may write the clipboard that Ctrl+V then pastes.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(timeout);

  await context.route('**/*', async (route) => {
    const request = route.request();
    if (new URL(request.url()).origin === origin) return route.continue();
    outsideRequests.push({ url: request.url(), method: request.method(), resourceType: request.resourceType() });
    return route.abort('blockedbyclient');
  });
  // WebSockets are not routed by context.route; these are, and only other origins' (never connected).
  await context.routeWebSocket(
    (url) => url.origin !== wsOrigin && url.origin !== origin,
    (ws) => {
      outsideRequests.push({ url: ws.url(), method: 'GET', resourceType: 'websocket' });
      return ws.close({ code: 1008, reason: 'blocked by the test: not the stack origin' });
    },
  );

  const guarded = new WeakSet<Page>();
  const guard = (page: Page) => {
    if (guarded.has(page)) return page;
    guarded.add(page);
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console.error on ${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(`uncaught on ${page.url()}: ${error.stack ?? error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400 && new URL(response.url()).origin === origin) {
        failedResponses.push({ url: response.url(), method: response.request().method(), status: response.status() });
      }
    });
    return page;
  };
  context.on('page', guard);
  const page = guard(await context.newPage());

  return {
    browser,
    context,
    page,
    origin,
    outsideRequests,
    pageErrors,
    failedResponses,
    newPage: async () => guard(await context.newPage()),
    async screenshot(name, { page: target = page, fullPage = true } = {}) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await target.screenshot({ path: file, fullPage });
      return file;
    },
    async close() {
      await context.close().catch(() => {});
      await browser.close();
    },
  };
}

interface BrowserClipboard {
  navigator: { clipboard: { writeText(text: string): Promise<void> } };
}

/**
 * Pastes `text` where the focus is, as a user would (clipboard, then Ctrl+V / Cmd+V): editors such
 * as Monaco take a paste as it is, where typing it would auto-close brackets and quotes.
 */
export async function paste(page: Page, text: string): Promise<void> {
  // Runs in the page (typed here against the Workers runtime, which has no clipboard).
  await page.evaluate((value) => (globalThis as unknown as BrowserClipboard).navigator.clipboard.writeText(value), text);
  await page.keyboard.press('ControlOrMeta+KeyV');
}
