/**
 * The orchestrator under `wrangler dev` for the bench: the repository's wrangler.toml with the
 * bench entry (bench/instrumentation/entry.ts) as its main module, bundled once into
 * .bench/run/build (`wrangler deploy --dry-run --outdir`) and served from there (`--no-bundle`),
 * on a free port, with its own
 * state in .bench/state (wiped first, so every bench starts from empty D1 and Durable Objects and
 * never touches `npm start`'s .wrangler/state), out of the shared dev registry, without the demo
 * fleet (the bench brings its own simulated one, bench/lib/fleet.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, prepareSecrets } from '../../scripts/dev-vars';
import { freePort } from '../../scripts/stack';

export const BENCH_DIR = path.join(ROOT, '.bench');
const WRANGLER = fileURLToPath(new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url));
const NODE = Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : path.join(ROOT, 'node_modules/.bin/node');

export interface BenchStack {
  baseUrl: string;
  port: number;
  adminKey: string;
  signingKey: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  log?: (line: string) => void;
  /**
   * SQL run against the fresh local D1 after the migrations and before `wrangler dev` starts
   * (`wrangler d1 execute --local --file`): the bench seeds most of its fleet's registry this way.
   */
  seedSql?: string;
}

export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const { adminKey, signingKey } = await prepareSecrets();
  const persistTo = path.join(BENCH_DIR, 'run', 'state');
  rmSync(persistTo, { recursive: true, force: true });
  mkdirSync(persistTo, { recursive: true });
  const logFile = path.join(BENCH_DIR, 'run', 'wrangler.log');
  const logStream = createWriteStream(logFile);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_REGISTRY_PATH: path.join(persistTo, 'registry'),
    WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true',
  };
  await run(['d1', 'migrations', 'apply', 'DB', '--local', '-c', 'wrangler.toml', '--persist-to', persistTo], env, logStream);
  if (options.seedSql) {
    const seedFile = path.join(BENCH_DIR, 'run', 'seed.sql');
    writeFileSync(seedFile, options.seedSql);
    await run(['d1', 'execute', 'DB', '--local', '-c', 'wrangler.toml', '--persist-to', persistTo, '--file', seedFile], env, logStream);
  }

  // Bundled once, up front, and served from the bundle: others editing the tree while the bench
  // runs (wrangler dev rebuilds and restarts workerd on every source edit) cannot restart it midway.
  const build = path.join(BENCH_DIR, 'run', 'build');
  await run(['deploy', '--dry-run', '--env', '', '-c', 'wrangler.toml', 'bench/instrumentation/entry.ts', '--outdir', build], env, logStream);

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(
    NODE,
    [
      WRANGLER,
      'dev',
      path.join(build, 'entry.js'),
      '--no-bundle',
      '-c',
      'wrangler.toml',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      persistTo,
      '--var',
      `PUBLIC_URL:${baseUrl}`,
      '--var',
      'BENCH_COUNT_D1:true',
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout!.pipe(logStream, { end: false });
  child.stderr!.pipe(logStream, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // gone already
    }
  };
  process.once('exit', () => kill('SIGKILL'));
  const stop = async () => {
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    kill('SIGKILL');
    logStream.end();
  };

  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (gone) throw new Error(`wrangler dev exited before it served (see ${logFile})`);
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /health within 120 s (see ${logFile})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  options.log?.(`orchestrator (bench entry) at ${baseUrl}, state in ${persistTo}, log ${logFile}`);
  return { baseUrl, port, adminKey, signingKey, logFile, stop };
}

function run(args: string[], env: NodeJS.ProcessEnv, log: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(NODE, [WRANGLER, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk;
      log.write(chunk);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`))));
  });
}
