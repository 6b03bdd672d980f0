/**
 * @worker-health/sdk as a team outside this repository gets it: built (`npm run build:sdk`),
 * `npm pack`ed, and installed from the tarball into a new Worker project in its own folder under
 * the system temp directory (so nothing resolves from the repo's node_modules). The project has a
 * plain Workers tsconfig with only `@cloudflare/workers-types` (no `@types/node`) and strict flags,
 * one custom test, and no `nodejs_compat`. It typechecks (nodenext and bundler resolution, the
 * SDK's declarations checked too: skipLibCheck off), Node imports the SDK's signing and protocol
 * entries, and it runs under `wrangler dev` beside the e2e stack: registered by URL with the
 * `worker-health` CLI, given its secret with `workers secret --dev-vars`, and checked alone with
 * `check --watch`, whose exit code is the verdict.
 *
 * Other e2e files share the stack and count its workers, so the worker is registered *disabled*,
 * enabled only for its own check, and removed straight after it (and in afterAll, whatever failed).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/stack';
import { NODE, ROOT, TSC } from './helpers/build-client';
import { cliRunner, json, type CliResult } from './helpers/cli';

const run = promisify(execFile);
const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');
const cli = cliRunner({ url: baseUrl, apiKey: adminKey });

const SDK_DIR = path.join(ROOT, 'sdk');
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
/** The name the consumer worker reports under and is registered as. */
const WORKER = 'sdk-consumer';
const CUSTOM_TEST = 'invoice total adds up its lines';

/** The versions this repository has installed, so the consumer's install comes from the npm cache. */
const installed = (name: string) => JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;
/** Not newer than the workerd the repo's wrangler bundles: the orchestrator's own date. */
const COMPATIBILITY_DATE = /^compatibility_date\s*=\s*"([\d-]+)"/m.exec(readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8'))![1]!;

const temp = mkdtempSync(path.join(tmpdir(), 'worker-health-sdk-consumer-'));
const packDir = path.join(temp, 'pack');
const app = path.join(temp, 'billing-worker');

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** npm from PATH, as a team runs it, with none of the npm_* settings of an enclosing `npm test`. */
async function npm(args: string[], cwd: string): Promise<string> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^npm_/i.test(name) || name === 'INIT_CWD') delete env[name];
  env['npm_config_update_notifier'] = 'false';
  try {
    const { stdout } = await run('npm', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

async function tsc(project: string): Promise<void> {
  await run(NODE, [TSC, '-p', project], { cwd: app }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`the consumer does not typecheck (tsc -p ${path.basename(project)}):\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
}

function expectExit(result: CliResult, code: number): void {
  expect(result.code, `exit ${result.code}, wanted ${code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`).toBe(code);
}

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** The new Worker project: what a team writes by following sdk/README.md. */
function writeConsumer(): void {
  write(path.join(app, 'package.json'), JSON.stringify({ name: 'billing-worker', private: true, type: 'module' }, null, 2));
  write(
    path.join(app, 'wrangler.toml'),
    `name = "billing-worker"
main = "src/index.ts"
compatibility_date = "${COMPATIBILITY_DATE}"
# No nodejs_compat: the SDK needs nothing from Node.

[vars]
CURRENCY = "EUR"
# ORCHESTRATOR_URL is given with --var (the e2e stack's address); HEALTH_CHECK_SECRET is in .dev.vars.
`,
  );
  const compilerOptions = {
    target: 'es2022',
    lib: ['es2022'],
    module: 'es2022',
    moduleResolution: 'bundler',
    types: ['@cloudflare/workers-types'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noPropertyAccessFromIndexSignature: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noImplicitReturns: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    // The SDK's declarations (and what they import) are checked under these flags too.
    skipLibCheck: false,
    noEmit: true,
  };
  write(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2));
  write(
    path.join(app, 'tsconfig.nodenext.json'),
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } }, null, 2),
  );

  write(
    path.join(app, 'src/invoice.ts'),
    `export interface InvoiceLine {
  quantity: number;
  unitCents: number;
}

export function invoiceTotal(lines: readonly InvoiceLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitCents, 0);
}
`,
  );
  // Outside the entry module, as the README says: workerd treats each export there as an entrypoint.
  write(
    path.join(app, 'src/health.ts'),
    `import { WorkerHealthCheck, type TestResult, type WorkerHealthCheckEnv } from '@worker-health/sdk';
import { invoiceTotal } from './invoice.js';

export interface Env extends WorkerHealthCheckEnv {
  CURRENCY: string;
}

export class BillingHealthCheck extends WorkerHealthCheck<Env> {
  protected override async runWorkerSpecificUnitTests(): Promise<TestResult[]> {
    return [
      await this.runTest(${JSON.stringify(CUSTOM_TEST)}, () => {
        const total = invoiceTotal([{ quantity: 2, unitCents: 1250 }, { quantity: 1, unitCents: 99 }]);
        if (total !== 2599) throw new Error(\`expected 2599 cents, got \${total}\`);
      }, { timeoutMs: 1000 }),
    ];
  }
}
`,
  );
  write(
    path.join(app, 'src/index.ts'),
    `import { HealthCheckHandler } from '@worker-health/sdk';
import { BillingHealthCheck, type Env } from './health.js';

export default {
  async fetch(request, env, ctx): Promise<Response> {
    if (new URL(request.url).pathname.startsWith('/health-check')) {
      return new HealthCheckHandler(env, { workerName: ${JSON.stringify(WORKER)}, workerType: 'billing', healthCheck: BillingHealthCheck })
        .handleRequest(request, ctx);
    }
    return new Response(\`billing in \${env.CURRENCY}\`);
  },
} satisfies ExportedHandler<Env>;
`,
  );

  // Node, plain JavaScript: the signing and protocol helpers from the installed package.
  write(
    path.join(app, 'scripts/sign.mjs'),
    `import { deriveWorkerSecret, signedHeaders, verifyWebhook } from '@worker-health/sdk/signing';
import { LIMITS, parseExecuteRequest, workerResultSchema } from '@worker-health/sdk/protocol';
import { HealthCheckHandler } from '@worker-health/sdk';

const secret = await deriveWorkerSecret('a signing key', 'billing');
const body = JSON.stringify({ hello: 'world' });
const headers = new Headers(signedHeaders(secret, 'msg_1', body));
console.log(JSON.stringify({
  secret: secret.startsWith('whsec_'),
  verified: verifyWebhook(secret, headers, body),
  tampered: verifyWebhook(secret, headers, body + ' '),
  testsPerSuite: LIMITS.testsPerSuite,
  parsed: parseExecuteRequest(JSON.stringify({ worker_check_uuid: 'u', callback_url: 'https://o.example/graphql' })).ok,
  schema: workerResultSchema.safeParse({}).success,
  handler: typeof HealthCheckHandler,
}));
`,
  );
}

let packed: PackResult;
let wrangler: ChildProcess | undefined;
let wranglerExited: Promise<unknown> = Promise.resolve();
let wranglerOutput = '';
let registered = false;

beforeAll(async () => {
  // The build the package ships: sdk/tsconfig.build.json, Workers types only, the strict flags.
  await npm(['run', '--silent', 'build:sdk'], ROOT);
  mkdirSync(packDir, { recursive: true });
  // What a registry would get (prepack would build again: done just above).
  [packed] = JSON.parse(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], SDK_DIR)) as [PackResult];
  writeConsumer();
  await npm(
    [
      'install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--save-exact',
      path.join(packDir, packed.filename),
      `@cloudflare/workers-types@${installed('@cloudflare/workers-types')}`,
    ],
    app,
  );
});

afterAll(async () => {
  if (wrangler?.pid !== undefined) {
    const group = wrangler.pid;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-group, name);
      } catch {
        // Already gone.
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    await wranglerExited;
    clearTimeout(timer);
    signal('SIGKILL');
  }
  if (registered) await cli(['workers', 'remove', WORKER]).catch(() => undefined);
  rmSync(temp, { recursive: true, force: true });
}, 30_000);

describe('the packed SDK', () => {
  it('holds the built JavaScript, its declarations, README.md and package.json: no sources, no tests', async () => {
    const [dryRun] = JSON.parse(await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], SDK_DIR)) as PackResult[];
    const files = dryRun!.files.map((file) => file.path).sort();
    expect(files).toEqual(packed.files.map((file) => file.path).sort());
    for (const expected of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/protocol.js', 'dist/protocol.d.ts', 'dist/signing.js', 'dist/signing.d.ts']) {
      expect(files).toContain(expected);
    }
    expect(files.filter((file) => !/^(dist\/[\w-]+\.(js|d\.ts)|package\.json|README\.md)$/.test(file))).toEqual([]);
    // Every module has its declarations.
    for (const file of files.filter((name) => name.endsWith('.js'))) expect(files).toContain(file.replace(/\.js$/, '.d.ts'));

    // Everything package.json points at is in the package.
    const manifest = JSON.parse(readFileSync(path.join(SDK_DIR, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: '@worker-health/sdk', type: 'module', sideEffects: false, files: ['dist', 'README.md'] });
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['.', './protocol', './signing']));
    for (const entry of ['.', './protocol', './signing']) expect(Object.keys(manifest.exports[entry])).toEqual(['types', 'default']);
    const targets = [manifest.main, manifest.types, ...Object.values(manifest.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry as object)))];
    for (const target of targets as string[]) expect(files).toContain(target.replace(/^\.\//, ''));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['standardwebhooks', 'zod']);

    // Relative imports are spelled as Node resolves them (nodenext): ./x.js, and x.js is shipped.
    const dist = path.join(SDK_DIR, 'dist');
    for (const file of files.filter((name) => name.startsWith('dist/'))) {
      const text = readFileSync(path.join(SDK_DIR, file), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']*)'/g)) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(/\.js$/);
        expect(existsSync(path.join(dist, specifier!)), `${file} imports ${specifier}`).toBe(true);
      }
    }
    // The declarations leave standardwebhooks out (its own mention Node's Buffer), and need no Node types.
    for (const file of files.filter((name) => name.endsWith('.d.ts'))) {
      const text = readFileSync(path.join(SDK_DIR, file), 'utf8');
      expect(text, file).not.toMatch(/from 'standardwebhooks'|reference types="node"|NodeJS\./);
    }

    // The README stands alone: no link into the repository (only web addresses and its own headings).
    const readme = readFileSync(path.join(SDK_DIR, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1]!);
    expect(links.filter((link) => !/^(https:\/\/|#)/.test(link))).toEqual([]);
  });
});

describe('a new Worker project outside the repository', () => {
  it('has no @types/node, and typechecks with strict flags under bundler and nodenext resolution', async () => {
    expect(existsSync(path.join(app, 'node_modules/@types/node'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/@worker-health/sdk/dist/index.d.ts'))).toBe(true);
    await Promise.all([tsc(path.join(app, 'tsconfig.json')), tsc(path.join(app, 'tsconfig.nodenext.json'))]);
  }, 120_000);

  it("imports the SDK's signing and protocol entries (and the main one) from Node, as plain JavaScript", async () => {
    const { stdout } = await run(NODE, [path.join(app, 'scripts/sign.mjs')], { cwd: app });
    expect(JSON.parse(stdout)).toEqual({
      secret: true,
      verified: null,
      tampered: expect.stringMatching(/signature/i),
      testsPerSuite: 200,
      parsed: true,
      schema: false,
      handler: 'function',
    });
  });

  it('runs under wrangler dev, is registered by URL and given its secret with the CLI, and a check of it alone is HEALTHY, its custom test scored (exit 0)', async () => {
    const port = await freePort();
    const workerUrl = `http://localhost:${port}`;

    // Register first (disabled, see the top): a worker's secret exists only once it is registered.
    expectExit(await cli(['workers', 'register', WORKER, '--type', 'billing', '--worker-url', workerUrl, '--disabled', '--json']), 0);
    registered = true;
    expectExit(await cli(['workers', 'secret', WORKER, '--dev-vars', path.join(app, '.dev.vars')]), 0);
    expect(readFileSync(path.join(app, '.dev.vars'), 'utf8')).toMatch(/^HEALTH_CHECK_SECRET=whsec_/m);

    wrangler = spawn(
      NODE,
      [WRANGLER, 'dev', '--config', path.join(app, 'wrangler.toml'), '--port', String(port), '--var', `ORCHESTRATOR_URL:${baseUrl}`, '--show-interactive-dev-session=false'],
      {
        cwd: app,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: 'false',
          WRANGLER_SEND_ERROR_REPORTS: 'false',
          // Not in the dev registry other wrangler dev sessions on this machine share.
          WRANGLER_REGISTRY_PATH: path.join(temp, 'registry'),
          WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true',
        },
      },
    );
    const child = wrangler;
    // Should this process end before afterAll (Ctrl-C), wrangler and its workerd end with it.
    const group = child.pid!;
    process.once('exit', () => {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone.
      }
    });
    const keep = (chunk: string) => (wranglerOutput = (wranglerOutput + chunk).slice(-8_000));
    child.stdout?.setEncoding('utf8').on('data', keep);
    child.stderr?.setEncoding('utf8').on('data', keep);
    let exitedWith: number | string | null | undefined;
    wranglerExited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exitedWith = code ?? signal))));

    // Up when its own quick check answers.
    const deadline = Date.now() + 60_000;
    let quick: Response | undefined;
    while (!quick) {
      if (exitedWith !== undefined) throw new Error(`wrangler dev exited (${exitedWith}):\n${wranglerOutput}`);
      if (Date.now() > deadline) throw new Error(`${workerUrl}/health-check/quick did not answer within 60 s:\n${wranglerOutput}`);
      quick = await fetch(`${workerUrl}/health-check/quick`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      if (!quick) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(quick.status).toBe(200);
    expect(await quick.json()).toMatchObject({ worker_name: WORKER, worker_type: 'billing', status: 'healthy', orchestrator_connectivity: true });
    // Nobody but the orchestrator can make it run its tests.
    const unsigned = await fetch(`${workerUrl}/health-check/execute`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);

    let result: CliResult;
    expectExit(await cli(['workers', 'update', WORKER, '--enable']), 0);
    try {
      result = await cli(['check', '--watch', '--workers', WORKER, '--max-wait', '60', '--json'], { timeoutMs: 90_000 });
    } finally {
      expectExit(await cli(['workers', 'remove', WORKER]), 0);
      registered = false;
    }
    const checked = json(result);
    expect(checked, wranglerOutput).toMatchObject({ status: 'COMPLETED', healthStatus: 'HEALTHY', totalWorkers: 1 });
    expect(checked.overallHealthScore).toBeGreaterThanOrEqual(0.9);
    expect(checked.workerResults).toHaveLength(1);
    const worker = checked.workerResults[0];
    expect(worker).toMatchObject({
      workerName: WORKER,
      workerType: 'billing',
      status: 'COMPLETED',
      healthStatus: 'HEALTHY',
      orchestratorConnectivity: true,
      databaseConnectivity: null,
      externalApiConnectivity: null,
      memoryUsageMb: null,
      cpuUsagePercent: null,
      errorMessage: null,
      // Two built-in unit tests and the custom one; no performance or integration tests.
      unitTests: { total: 3, passed: 3, failed: 0 },
      performanceTests: { total: 0 },
      integrationTests: { total: 0 },
    });
    expect(worker.healthScore).toBeGreaterThanOrEqual(0.9);
    expect(worker.unitTests.results).toContainEqual(expect.objectContaining({ name: CUSTOM_TEST, status: 'PASSED', error: null }));
    expect(worker.unitTests.results.map((test: { name: string }) => test.name)).toEqual(['crypto available', 'signing secret configured', CUSTOM_TEST]);
    // The verdict a pipeline gates on: HEALTHY is 0.
    expectExit(result, 0);
  }, 180_000);
});
