/**
 * The soak's own orchestrator: one `wrangler dev` on a free port, with its own config, secrets and
 * --persist-to under .bench/soak/<stamp>/, restartable on the same state.
 *
 * The Worker is bundled once, up front (`wrangler deploy --dry-run --outdir`), and served from that
 * bundle (`no_bundle`), so an edit someone makes in the tree during the soak cannot rebuild and
 * reload the server under it (an unplanned restart), and the server restarted mid-soak runs the
 * very code the first one ran. The config is the top level of wrangler.toml without the demo
 * fleet's service bindings and assets, plus `CHAOS = "true"` (http/chaos.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, symlinkSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/stack';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
// wrangler refuses Node 20; the project's own Node 22 runs `npm run soak`.
const NODE = Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : path.join(ROOT, 'node_modules/.bin/node');

export interface Orchestrator {
  baseUrl: string;
  adminKey: string;
  signingKey: string;
  dir: string;
  persistTo: string;
  /** Starts `wrangler dev` (again) on the same port and state; resolves once /health answers 200. */
  start(): Promise<void>;
  /** SIGKILLs wrangler and workerd at once, as a crash would; resolves once the port is free. */
  kill(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** `wrangler d1 execute DB --local` on the same state: the rows of one SELECT. */
  d1<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

// The same free-port probe the e2e stack uses.
export { freePort };

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export interface PrepareOptions {
  log: (line: string) => void;
  /**
   * Build from this commit (`git archive`, into the soak's directory) instead of the working tree,
   * e.g. "HEAD" while someone's half-made edits in the tree do not build.
   */
  ref?: string | undefined;
  /** Build from this directory (another worktree, a patched copy) instead of this tree. */
  source?: string | undefined;
}

export async function prepareOrchestrator(options: PrepareOptions): Promise<Orchestrator> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(ROOT, '.bench/soak', stamp);
  const persistTo = path.join(dir, 'state');
  mkdirSync(persistTo, { recursive: true });
  const logFile: WriteStream = createWriteStream(path.join(dir, 'wrangler.log'));
  const port = await freePort();
  const inspectorPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminKey = `wh_${randomBytes(32).toString('hex')}`;
  const signingKey = randomBytes(32).toString('hex');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    // Out of the dev registry other `wrangler dev` sessions share; no reload on config edits.
    WRANGLER_REGISTRY_PATH: path.join(dir, 'registry'),
    WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true',
  };

  // Where the Worker is built and its migrations read from: the tree, or a snapshot of a commit.
  let source = options.source ? path.resolve(options.source) : ROOT;
  if (options.source && !existsSync(path.join(source, 'node_modules'))) symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'));
  if (options.ref) {
    source = path.join(dir, 'src');
    mkdirSync(source, { recursive: true });
    options.log(`building from ${options.ref} (git archive into ${path.relative(ROOT, source)})`);
    execFileSync('sh', ['-c', `git archive --format=tar "$0" | tar -x -C "$1"`, options.ref, source], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'));
  }

  const run = (args: string[], what: string) =>
    new Promise<string>((resolve, reject) => {
      let output = '';
      const child = spawn(NODE, [WRANGLER, ...args], { cwd: source, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        logFile.write(chunk);
      });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${what} exited with ${code}:\n${output.slice(-3000)}`))));
    });

  options.log(`bundling the orchestrator once (${path.relative(ROOT, dir)}/build)`);
  await run(['deploy', '--dry-run', '--env', '', '-c', 'wrangler.toml', '--outdir', path.join(dir, 'build')], 'wrangler deploy --dry-run');

  // The top level of wrangler.toml, minus the demo fleet's bindings and the static assets, plus CHAOS.
  const config = {
    name: 'worker-health',
    main: 'build/index.js',
    no_bundle: true,
    compatibility_date: '2026-11-02',
    compatibility_flags: ['nodejs_compat'],
    vars: { ENVIRONMENT: 'development', EVENT_HUB_SHARDS: '4', PUBLIC_URL: baseUrl, GRAPHIQL: '', INTROSPECTION: '', CHAOS: 'true' },
    d1_databases: [{ binding: 'DB', database_name: 'worker-health', database_id: '00000000-0000-0000-0000-000000000000' }],
    durable_objects: {
      bindings: [
        { name: 'HEALTH_CHECK_RUN', class_name: 'HealthCheckRun' },
        { name: 'EVENT_HUB', class_name: 'EventHub' },
      ],
    },
    migrations: [{ tag: 'v1', new_sqlite_classes: ['HealthCheckRun', 'EventHub'] }],
    queues: {
      producers: [{ binding: 'ALERTS_QUEUE', queue: 'worker-health-alerts' }],
      consumers: [
        { queue: 'worker-health-alerts', max_batch_size: 10, max_batch_timeout: 1, max_retries: 3, dead_letter_queue: 'worker-health-alerts-dlq' },
        { queue: 'worker-health-alerts-dlq', max_batch_size: 10, max_batch_timeout: 1, max_retries: 3 },
      ],
    },
  };
  const configPath = path.join(dir, 'wrangler.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  // Read by wrangler dev from beside its config: this soak's own secrets, not the tree's .dev.vars.
  writeFileSync(path.join(dir, '.dev.vars'), `ADMIN_API_KEY=${adminKey}\nHEALTH_CHECK_SIGNING_KEY=${signingKey}\n`, { mode: 0o600 });

  options.log('applying the D1 migrations to the soak state');
  await run(['d1', 'migrations', 'apply', 'DB', '--local', '--env', '', '-c', 'wrangler.toml', '--persist-to', persistTo], 'wrangler d1 migrations apply');

  let child: ChildProcess | null = null;
  let exited: Promise<unknown> = Promise.resolve();

  const start = async () => {
    if (!(await portIsFree(port))) throw new Error(`port ${port} is still taken`);
    logFile.write(`\n===== wrangler dev starting ${new Date().toISOString()} =====\n`);
    const spawned = spawn(
      NODE,
      [
        WRANGLER,
        'dev',
        '-c', configPath,
        '--ip', '127.0.0.1',
        '--port', String(port),
        '--inspector-port', String(inspectorPort),
        '--persist-to', persistTo,
        '--show-interactive-dev-session=false',
        '--log-level', 'warn',
      ],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    child = spawned;
    const pid = spawned.pid!;
    liveGroups.add(pid);
    exited = new Promise((resolve) => spawned.once('exit', (code, signal) => (liveGroups.delete(pid), resolve(code ?? signal))));
    spawned.stdout!.on('data', (chunk: Buffer) => logFile.write(chunk));
    spawned.stderr!.on('data', (chunk: Buffer) => logFile.write(chunk));
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (gone) throw new Error(`wrangler dev exited before /health answered (see ${path.join(dir, 'wrangler.log')})`);
      try {
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(3_000) });
        await response.body?.cancel();
        if (response.status === 200) return;
      } catch {
        // Not yet.
      }
      if (Date.now() > deadline) throw new Error(`${baseUrl}/health did not answer within 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const kill = async () => {
    const current = child;
    if (!current?.pid) return;
    signalGroup(current.pid, 'SIGKILL');
    await exited;
    child = null;
    for (const deadline = Date.now() + 10_000; !(await portIsFree(port)) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const stop = async () => {
    const current = child;
    if (!current?.pid) return;
    signalGroup(current.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(current.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    signalGroup(current.pid, 'SIGKILL');
    child = null;
  };

  const d1 = async <T>(sql: string): Promise<T[]> => {
    const output = await run(
      ['d1', 'execute', 'DB', '--local', '--env', '', '-c', 'wrangler.toml', '--persist-to', persistTo, '--json', '--command', sql],
      'wrangler d1 execute',
    );
    const parsed = JSON.parse(output.slice(output.indexOf('['))) as { results: T[]; success: boolean }[];
    if (!parsed[0]?.success) throw new Error(`wrangler d1 execute failed: ${output.slice(0, 2000)}`);
    return parsed[0].results;
  };

  const close = async () => {
    await stop();
    await new Promise((resolve) => logFile.end(resolve));
  };

  return { baseUrl, adminKey, signingKey, dir, persistTo, start, kill, stop, d1, close };
}
