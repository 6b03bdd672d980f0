/**
 * @worker-health/client as another team gets it: `npm pack`ed, installed from the tarball into a
 * new Node project outside this repository (its own folder under the system temp directory, so
 * nothing resolves from the repo's node_modules), typechecked with `moduleResolution: nodenext`
 * and strict flags, and run against the e2e stack: a script that starts a check and reads its
 * typed result, and the installed `worker-health` bin.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLIENT_DIR, NODE, TSC } from './helpers/build-client';
import { closedPort } from './helpers/cli';

const run = promisify(execFile);
const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** npm from PATH, as a team would run it; the prepack build is skipped (global setup built dist/). */
async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

const consumer = mkdtempSync(path.join(tmpdir(), 'worker-health-client-consumer-'));
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

describe('the packed client', () => {
  it('contains the built JavaScript, its declarations, the documents and the README, and no sources or tests', async () => {
    const [packed] = JSON.parse(await npm(['pack', '--dry-run', '--json', '--ignore-scripts'], CLIENT_DIR)) as PackResult[];
    const files = packed!.files.map((file) => file.path).sort();
    for (const expected of [
      'package.json',
      'README.md',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/client.js',
      'dist/src/cli.js',
      'dist/generated/graphql.js',
      'dist/generated/graphql.d.ts',
      'operations/runs.graphql',
    ]) {
      expect(files).toContain(expected);
    }
    expect(files.filter((file) => !/^(dist\/|operations\/[\w-]+\.graphql$|package\.json$|README\.md$)/.test(file))).toEqual([]);
    expect(files.filter((file) => /\.ts$/.test(file) && !/\.d\.ts$/.test(file))).toEqual([]);
    expect(files.filter((file) => /test/.test(file))).toEqual([]);

    // Everything package.json points at is in the package.
    const manifest = JSON.parse(readFileSync(path.join(CLIENT_DIR, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: '@worker-health/client', type: 'module', sideEffects: false, bin: { 'worker-health': './dist/src/cli.js' } });
    const targets = [manifest.types, manifest.bin['worker-health'], ...Object.values(manifest.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry as object)))];
    for (const target of targets as string[]) expect(files).toContain(target.replace(/^\.\//, ''));
  });
});

describe('a Node project outside the repository', () => {
  beforeAll(async () => {
    const [packed] = JSON.parse(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', consumer], CLIENT_DIR)) as PackResult[];
    const tarball = path.join(consumer, packed!.filename);
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'billing-service', private: true, type: 'module' }, null, 2));
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            target: 'es2023',
            lib: ['es2023'],
            module: 'nodenext',
            moduleResolution: 'nodenext',
            types: ['node'],
            strict: true,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            noPropertyAccessFromIndexSignature: true,
            verbatimModuleSyntax: true,
            skipLibCheck: false,
            rootDir: 'src',
            outDir: 'out',
          },
          include: ['src'],
        },
        null,
        2,
      ),
    );
    const typesNode = JSON.parse(readFileSync(path.join(CLIENT_DIR, '../node_modules/@types/node/package.json'), 'utf8')).version as string;
    await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--save-exact', tarball, `@types/node@${typesNode}`], consumer);

    mkdirSync(path.join(consumer, 'src'));
    writeFileSync(
      path.join(consumer, 'src/check.ts'),
      `import {
  createWorkerHealthClient,
  HealthCheckDocument,
  HealthCheckUpdatedDocument,
  InitiateHealthCheckDocument,
  WorkerHealthError,
  WorkerHealthNetworkError,
  type HealthStatus,
} from '@worker-health/client';
import { WorkersDocument } from '@worker-health/client/graphql';

const url = process.env['WORKER_HEALTH_URL'] ?? '';
const apiKey = process.env['WORKER_HEALTH_API_KEY'] ?? '';
const client = createWorkerHealthClient({ url, apiKey });

// Subscribed (and acknowledged) before the run starts, so none of its events is missed.
let connected = () => {};
const ready = new Promise<void>((resolve) => (connected = resolve));
const events = client.subscribe(HealthCheckUpdatedDocument, {}, { onConnected: () => connected(), signal: AbortSignal.timeout(30_000) });
await ready;

const { initiateHealthCheck } = await client.request(InitiateHealthCheckDocument, {
  input: { workerFilters: ['agent-factory'], triggerSource: 'billing-service' },
});
const uuid: string = initiateHealthCheck.healthCheckUuid;
const seen: string[] = [];
for await (const { healthCheckUpdated: event } of events) {
  if (event.healthCheck.uuid !== uuid) continue;
  seen.push(event.type);
  if (event.type === 'COMPLETED') break;
}

const { healthCheck } = await client.request(HealthCheckDocument, { uuid });
if (!healthCheck) throw new Error('run not found');
const score: number = healthCheck.overallHealthScore;
const band: HealthStatus | null = healthCheck.healthStatus;
const workers: string[] = healthCheck.workerResults.map((worker) => worker.workerName);
const unitPassed: number = healthCheck.workerResults[0]?.unitTests.passed ?? -1;

// Errors carry the contract's code; no answer at all is a network error.
const refused = await createWorkerHealthClient({ url, apiKey: 'wh_wrong' }).request(WorkersDocument).catch((error: unknown) => error);
const unreachable = await createWorkerHealthClient({ url: process.env['CLOSED_URL'] ?? '', apiKey }).request(WorkersDocument).catch((error: unknown) => error);
await client.dispose();

console.log(JSON.stringify({
  uuid, status: healthCheck.status, score, band, workers, unitPassed, seen,
  refusedCode: refused instanceof WorkerHealthError ? refused.code : null,
  unreachable: unreachable instanceof WorkerHealthNetworkError,
}));
// wrangler dev does not answer a client's WebSocket close frame, so Node's WebSocket keeps the
// closed socket for its 20 s closing timeout before the process can end on its own.
process.exit(0);

// Never called: what the types refuse.
export function typeErrors(): void {
  // @ts-expect-error: HealthCheck needs its uuid
  void client.request(HealthCheckDocument, {});
  // @ts-expect-error: not a variable of InitiateHealthCheck
  void client.request(InitiateHealthCheckDocument, { input: { workers: ['x'] } });
  // @ts-expect-error: not a field of the result
  void healthCheck?.notAField;
}
`,
    );
  });

  it('typechecks a script using the client under nodenext and strict flags, and it runs: a check started, its typed result read', async () => {
    await run(NODE, [TSC, '-p', path.join(consumer, 'tsconfig.json')], { cwd: consumer }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the consumer does not typecheck:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
    const { stdout } = await run(NODE, [path.join(consumer, 'out/check.js')], {
      cwd: consumer,
      env: { ...process.env, WORKER_HEALTH_URL: baseUrl, WORKER_HEALTH_API_KEY: adminKey, CLOSED_URL: `http://127.0.0.1:${await closedPort()}` },
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({ status: 'COMPLETED', workers: ['agent-factory'], refusedCode: 'UNAUTHENTICATED', unreachable: true });
    expect(result.score).toBeGreaterThan(0);
    expect(result.unitPassed).toBeGreaterThan(0);
    expect(result.seen).toContain('COMPLETED');
  });

  it('installs the worker-health bin, which runs from the tarball\'s own dependencies', async () => {
    const bin = path.join(consumer, 'node_modules/.bin/worker-health');
    const { stdout: version } = await run(NODE, [bin, '--version'], { cwd: consumer });
    expect(version.trim()).toBe(JSON.parse(readFileSync(path.join(CLIENT_DIR, 'package.json'), 'utf8')).version);
    const { stdout } = await run(NODE, [bin, 'workers', 'list', '--json'], {
      cwd: consumer,
      env: { ...process.env, NO_COLOR: '1', WORKER_HEALTH_URL: baseUrl, WORKER_HEALTH_API_KEY: adminKey },
    });
    expect((JSON.parse(stdout) as { name: string }[]).map((worker) => worker.name)).toEqual(expect.arrayContaining(['agent-factory', 'data-factory', 'ui-factory']));
  });
});
