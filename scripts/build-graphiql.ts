/**
 * `npm run build:graphiql`: GraphiQL's static files, written to assets/graphiql/ (gitignored) for
 * Workers static assets to serve (wrangler.toml [assets]); http/graphiql.ts renders the page that
 * loads them. `npm start`, `npm run dev`, `npm test` (and so .ci/run), the e2e global setup and
 * `npm run deploy` build them first. It takes about a second and gives the same files every time.
 *
 * - Yoga's GraphiQL, from @graphql-yoga/render-graphiql (the devDependency pinned to
 *   graphql-yoga's version), which carries it as strings with everything inlined: the UMD script
 *   (React, GraphiQL, Monaco, the explorer), the CSS with its fonts as data: URLs, the three
 *   Monaco workers and the favicon. Each becomes a file, unchanged.
 * - start.js: http/graphiql-browser.ts and our fetcher (http/graphiql-fetcher.ts, graphql-ws),
 *   bundled with esbuild.
 *
 * Nothing in the output refers to another origin; the e2e browser test loads the page with every
 * other origin blocked (tests/e2e/graphiql.test.ts).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';
import { GRAPHIQL_FILES } from '../http/graphiql';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const GRAPHIQL_OUT_DIR = path.join(ROOT, 'assets', 'graphiql');

function dataUrlBytes(url: string): Buffer {
  const match = /^data:[^;,]*;base64,(.*)$/s.exec(url);
  if (!match) throw new Error(`build-graphiql: the favicon is not a base64 data: URL (${url.slice(0, 40)}…)`);
  return Buffer.from(match[1]!, 'base64');
}

/**
 * Writes the files, each only when its content changed: a running `wrangler dev` (which watches
 * the assets directory) sees nothing happen on a rebuild of the same files, and no file is ever
 * missing meanwhile. Returns the names written.
 */
export async function buildGraphiQL(outDir = GRAPHIQL_OUT_DIR): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const bundled = await build({
    entryPoints: [path.join(ROOT, 'http/graphiql-browser.ts')],
    outfile: path.join(outDir, GRAPHIQL_FILES.start),
    write: false,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const files: Record<string, string | Buffer> = {
    [GRAPHIQL_FILES.script]: js,
    [GRAPHIQL_FILES.css]: css,
    [GRAPHIQL_FILES.favicon]: dataUrlBytes(favicon),
    [GRAPHIQL_FILES.workers.editorWorkerService]: editorWorkerService,
    [GRAPHIQL_FILES.workers.json]: jsonWorker,
    [GRAPHIQL_FILES.workers.graphql]: graphqlWorker,
    [GRAPHIQL_FILES.start]: Buffer.from(bundled.outputFiles[0]!.contents),
  };
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(outDir, name);
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    if (existsSync(file) && readFileSync(file).equals(bytes)) continue;
    writeFileSync(file, bytes);
    written.push(name);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await buildGraphiQL();
  const all = readdirSync(GRAPHIQL_OUT_DIR);
  console.log(`build-graphiql: ${path.relative(ROOT, GRAPHIQL_OUT_DIR)}/ has ${all.length} files; ${written.length ? `wrote ${written.join(', ')}` : 'all up to date'}`);
}
