/**
 * ui-factory's own job: HTML fragments and pages. Two parts of it are deliberately bad, because
 * this worker exists to show what a degraded worker looks like in worker-health:
 *
 * - `renderDashboard` and `renderSortedTable` use naive quadratic algorithms (the shape of real
 *   bugs: re-scanning a growing string on every step). Their performance tests fail by measurement.
 * - `fetchRecommendations` stands in for a flaky upstream service (see UPSTREAM_FAILURE_RATE).
 */

export interface Widget {
  id: string;
  title: string;
  value: number;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

export function renderCard(widget: Widget): string {
  return `<article class="card" id="${escapeHtml(widget.id)}"><h2>${escapeHtml(widget.title)}</h2><p class="value">${widget.value}</p></article>`;
}

/** `count` widgets with scrambled titles, the same every time. */
export function sampleWidgets(count: number): Widget[] {
  return Array.from({ length: count }, (_, i) => ({ id: `w${i}`, title: `Widget <${(i * 7919) % count}>`, value: (i * 37) % 1000 }));
}

/**
 * The dashboard page. NAIVE ON PURPOSE: each card is spliced in by replacing a slot marker in the
 * whole page so far, so every step copies the page: O(n²). `widgets.map(renderCard).join('')`
 * would be linear.
 */
export function renderDashboard(widgets: Widget[]): string {
  let page = '<!doctype html><html><head><title>Dashboard</title></head><body><main><!--slot--></main></body></html>';
  for (const widget of widgets) page = page.replace('<!--slot-->', `${renderCard(widget)}<!--slot-->`);
  return page.replace('<!--slot-->', '');
}

/**
 * A table of widgets sorted by title. NAIVE ON PURPOSE: an insertion sort over the rendered HTML,
 * re-splitting and re-joining every row for every insertion: O(n²) string work. Sorting the
 * widgets first and rendering once would be O(n log n).
 */
export function renderSortedTable(widgets: Widget[]): string {
  const open = '<table><tbody>';
  const close = '</tbody></table>';
  const titleOf = (row: string) => row.slice(row.indexOf('data-title="') + 12, row.indexOf('">'));
  let table = open + close;
  for (const widget of widgets) {
    const title = escapeHtml(widget.title);
    const row = `<tr data-title="${title}"><td>${title}</td><td>${widget.value}</td></tr>`;
    const rows = table
      .slice(open.length, -close.length)
      .split('</tr>')
      .filter(Boolean)
      .map((r) => `${r}</tr>`);
    const at = rows.findIndex((r) => titleOf(r) > title);
    rows.splice(at < 0 ? rows.length : at, 0, row);
    table = open + rows.join('') + close;
  }
  return table;
}

/**
 * DEMO OF FLAKINESS. A stand-in, inside this worker, for a recommendations service that is down
 * for a share of calls: each call fails with probability UPSTREAM_FAILURE_RATE, decided by
 * crypto.getRandomValues at call time (no schedule, no per-run switch). Real flaky dependencies
 * look like this from the caller's side; this one is simulated so the demo needs no network.
 */
export const UPSTREAM_FAILURE_RATE = 1 / 3;

export async function fetchRecommendations(random: () => number = cryptoRandom): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 5 + random() * 15));
  if (random() < UPSTREAM_FAILURE_RATE) throw new Error('recommendations upstream answered 503 Service Unavailable');
  return ['Widget <1>', 'Widget <2>', 'Widget <3>'];
}

/** A uniform number in [0, 1) from the platform's CSPRNG. */
export function cryptoRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

/** The worker's own routes. */
export async function handleUi(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const html = (body: string, status = 200) => new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
  switch (url.pathname) {
    case '/':
      return html(renderDashboard(sampleWidgets(12)));
    case '/fragments/card':
      return html(renderCard({ id: url.searchParams.get('id') ?? 'card', title: url.searchParams.get('title') ?? 'Untitled', value: Number(url.searchParams.get('value') ?? 0) }));
    case '/recommendations':
      try {
        return Response.json(await fetchRecommendations());
      } catch (error) {
        return Response.json({ error: (error as Error).message }, { status: 502 });
      }
    default:
      return html('<p>Not found</p>', 404);
  }
}
