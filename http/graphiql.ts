/**
 * GraphiQL, served by the orchestrator alone (development settings only; http/settings.ts).
 *
 * The IDE is Yoga's own (@graphql-yoga/render-graphiql, the package that inlines GraphiQL, React,
 * Monaco, its styles, fonts and editor workers), taken apart at build time into static files under
 * assets/graphiql/ (scripts/build-graphiql.ts), which Workers static assets serve. The Worker only
 * renders this small page at GET /graphql: it loads those files from the same origin and a
 * Content-Security-Policy forbids anything else, so the page needs no internet. Our fetcher
 * (http/graphiql-fetcher.ts, bundled as start.js) sends subscriptions over graphql-ws with the
 * Headers tab's key as the connection_init payload.
 *
 * No runtime imports here: the browser bundle imports the file names below too.
 */
import type { GraphiQLOptions } from 'graphql-yoga';

/** Where the files are served from (assets/graphiql/ in the assets directory). */
export const GRAPHIQL_ASSET_PATH = '/graphiql';

/** The files scripts/build-graphiql.ts writes into assets/graphiql/. */
export const GRAPHIQL_FILES = {
  /** Yoga's GraphiQL (UMD: the YogaGraphiQL global). */
  script: 'yoga-graphiql.js',
  /** http/graphiql-browser.ts: the Monaco environment, our fetcher, the render. */
  start: 'start.js',
  css: 'graphiql.css',
  favicon: 'favicon.ico',
  /** Monaco's web workers, by the label Monaco asks for. */
  workers: { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' },
} as const;

/** The id of the page's JSON block holding GraphiQL's options. */
export const GRAPHIQL_OPTIONS_ELEMENT = 'graphiql-options';

/**
 * Everything from this origin and nothing else. Styles may be inline (React and Monaco set style
 * attributes and add <style> elements); fonts and icons are data: URLs inside the CSS; connect-src
 * 'self' covers the same origin's WebSocket.
 */
export const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** What the page opens with: how to give it the key, and one operation of each kind to run. */
export const GRAPHIQL_DEFAULT_QUERY = `# worker-health
#
# 1. Paste an API key into the Headers tab below
#    (npm start prints it):
#      {"Authorization": "Bearer wh_…"}
#    The schema (docs, completion) loads once it is there.
# 2. Run ▶ and pick an operation: the latest runs, start
#    a run, or follow runs live (graphql-ws, same key).

query LatestRuns {
  healthChecks(first: 5) {
    totalCount
    edges {
      node {
        uuid
        status
        overallHealthScore
        healthStatus
        startedAt
      }
    }
  }
}

mutation StartRun {
  initiateHealthCheck {
    healthCheckUuid
    status
    totalWorkers
    message
  }
}

subscription FollowRuns {
  healthCheckUpdated {
    type
    healthCheck {
      uuid
      status
      completedWorkers
      totalWorkers
      overallHealthScore
      healthStatus
    }
    workerResult { workerName status healthScore }
  }
}
`;

export const GRAPHIQL_DEFAULT_HEADERS = JSON.stringify({ Authorization: 'Bearer <paste the API key here>' }, null, 2);

/** The options for createYoga's `graphiql`. */
export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'worker-health',
  defaultQuery: GRAPHIQL_DEFAULT_QUERY,
  defaultHeaders: GRAPHIQL_DEFAULT_HEADERS,
  headers: GRAPHIQL_DEFAULT_HEADERS,
  // Opens on the Headers tab: where the key goes.
  defaultEditorToolsVisibility: 'headers',
  shouldPersistHeaders: true,
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** JSON safe inside <script type="application/json">: no `</script>`, no `<!--`. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** createYoga's `renderGraphiQL`: the page, loading GraphiQL from assets/graphiql/. */
export function renderGraphiQLPage(options: GraphiQLOptions): string {
  const file = (name: string) => `${GRAPHIQL_ASSET_PATH}/${name}`;
  const title = escapeHtml(options.title ?? 'GraphiQL');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="${GRAPHIQL_CSP}">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${title} GraphiQL</title>
    <link rel="icon" href="${file(GRAPHIQL_FILES.favicon)}">
    <link rel="stylesheet" href="${file(GRAPHIQL_FILES.css)}">
    <script defer src="${file(GRAPHIQL_FILES.start)}"></script>
    <script defer src="${file(GRAPHIQL_FILES.script)}"></script>
  </head>
  <body id="body" class="no-focus-outline">
    <div id="root">
      <p id="graphiql-loading" style="font-family: system-ui, sans-serif; padding: 1rem">
        Loading GraphiQL… If this stays, its files are missing from this server (${GRAPHIQL_ASSET_PATH}/): run
        <code>npm run build:graphiql</code> (<code>npm start</code> and <code>npm test</code> do) and reload.
      </p>
    </div>
    <noscript>GraphiQL needs JavaScript. The API itself is POST ${escapeHtml(options.endpoint ?? '/graphql')}.</noscript>
    <script type="application/json" id="${GRAPHIQL_OPTIONS_ELEMENT}">${scriptJson(options)}</script>
  </body>
</html>
`;
}
