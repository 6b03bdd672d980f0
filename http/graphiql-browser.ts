/**
 * The GraphiQL page's own script (assets/graphiql/start.js, bundled by scripts/build-graphiql.ts;
 * the browser runs it, never the Worker). Loaded `defer` before Yoga's GraphiQL
 * (yoga-graphiql.js), so Monaco finds its environment set; renders once both have run.
 *
 * Written against the few browser globals it uses (declared below), since the project's types are
 * the Workers runtime's.
 */
import { GRAPHIQL_ASSET_PATH, GRAPHIQL_FILES, GRAPHIQL_OPTIONS_ELEMENT } from './graphiql';
import { createGraphiQLFetcher } from './graphiql-fetcher';

interface Page {
  document: {
    getElementById(id: string): { textContent: string | null } | null;
    addEventListener(type: 'DOMContentLoaded', listener: () => void): void;
  };
  location: { href: string };
  MonacoEnvironment?: unknown;
  YogaGraphiQL?: { renderYogaGraphiQL(element: unknown, props: Record<string, unknown>): void };
}

const page = globalThis as unknown as Page;
const workers: Record<string, string> = GRAPHIQL_FILES.workers;

// Monaco's editor workers, served beside this file (Monaco starts them as module workers).
page.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: (_moduleId: string, label: string) => `${GRAPHIQL_ASSET_PATH}/${workers[label] ?? GRAPHIQL_FILES.workers.editorWorkerService}`,
};

function start(): void {
  const root = page.document.getElementById('root');
  const loading = page.document.getElementById('graphiql-loading');
  if (!page.YogaGraphiQL) {
    if (loading) loading.textContent = `GraphiQL's script (${GRAPHIQL_ASSET_PATH}/${GRAPHIQL_FILES.script}) did not load: run npm run build:graphiql and reload.`;
    return;
  }
  const options = JSON.parse(page.document.getElementById(GRAPHIQL_OPTIONS_ELEMENT)?.textContent ?? '{}') as Record<string, unknown>;
  const { endpoint = '/graphql', subscriptionsProtocol: _ignored, ...props } = options;
  const url = new URL(String(endpoint), page.location.href);
  const wsUrl = new URL(url);
  wsUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const { fetcher, onEditHeaders } = createGraphiQLFetcher({
    url: url.toString(),
    wsUrl: wsUrl.toString(),
    introspectionQueryName: typeof props.introspectionQueryName === 'string' ? props.introspectionQueryName : undefined,
  });
  page.YogaGraphiQL.renderYogaGraphiQL(root, { ...props, fetcher, onEditHeaders });
}

page.document.addEventListener('DOMContentLoaded', start);
