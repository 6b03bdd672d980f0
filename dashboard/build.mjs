// Builds the dashboard (dashboard/src, Preact) into one file, assets/index.html (gitignored),
// which Workers static assets serve at / (wrangler.toml [assets]). The script and the styles are
// inlined: the first load is one request of a few tens of KB (gzip), with nothing from another
// origin. `npm start`, `npm run dev`, `npm run deploy` and the e2e global setup build it first.
//
//   node dashboard/build.mjs          build once
//   import { buildDashboard }         the same, from a script or test setup
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const dashboardDir = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(dashboardDir, '..');
export const DASHBOARD_OUT_FILE = path.join(ROOT, 'assets', 'index.html');

/** esbuild's options for the dashboard bundle (a script and a stylesheet, in memory). */
export function dashboardBuildOptions() {
  return {
    entryPoints: [path.join(dashboardDir, 'src/main.tsx')],
    outdir: path.join(dashboardDir, 'out'),
    write: false,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16.4'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  };
}

/** The inlined script must not end its own <script> element early. */
function inlineSafe(code) {
  return code.replace(/<\/(script|style)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const sha256 = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * Only this build's own script and styles run (by their hashes), and the page talks to its own
 * origin alone (fetch and the graphql-ws socket): an injected script could not read the key.
 */
export function contentSecurityPolicy(js, css) {
  return [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    `style-src ${sha256(css)}`,
    'img-src data:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * Builds assets/index.html; writes it only when it changed (a running `wrangler dev` watches the
 * assets directory). Returns its size and whether it was written.
 */
export async function buildDashboard(outFile = DASHBOARD_OUT_FILE) {
  const result = await build(dashboardBuildOptions());
  const script = result.outputFiles.find((file) => file.path.endsWith('.js'));
  const styles = result.outputFiles.find((file) => file.path.endsWith('.css'));
  if (!script || !styles) throw new Error('build-dashboard: esbuild gave no script or no stylesheet');
  const template = readFileSync(path.join(dashboardDir, 'index.html'), 'utf8');
  const js = inlineSafe(script.text.trim());
  const css = inlineSafe(styles.text.trim());
  const html = template
    .replace('__CSP__', () => contentSecurityPolicy(js, css))
    .replace('/*STYLES*/', () => css)
    .replace('/*SCRIPT*/', () => js);
  const bytes = Buffer.from(html);
  mkdirSync(path.dirname(outFile), { recursive: true });
  const written = !(existsSync(outFile) && readFileSync(outFile).equals(bytes));
  if (written) writeFileSync(outFile, bytes);
  return { file: outFile, bytes: bytes.length, gzipBytes: gzipSync(bytes).length, written };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { file, bytes, gzipBytes, written } = await buildDashboard();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`build-dashboard: ${path.relative(ROOT, file)} ${kb(bytes)} (${kb(gzipBytes)} gzip)${written ? '' : ', up to date'}`);
}
