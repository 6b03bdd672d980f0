/**
 * The local stack: the orchestrator and the demo fleet under one `wrangler dev`, with secrets,
 * migrations and the fleet's registration done. `npm start` (scripts/start.mjs) and the e2e
 * global setup (tests/e2e/global-setup.ts) both start it through `startStack`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLEET, registration, wranglerConfig } from '../fleet/manifest';
import { ROOT, prepareSecrets } from './dev-vars';

export interface StackOptions {
  /** Where the orchestrator listens. Default 8787. */
  port?: number;
  /** Local D1 and Durable Object state, shared by the migrations and `wrangler dev`. Default .wrangler/state. */
  persistTo?: string;
  /** Receives wrangler's output, chunk by chunk. Default: this process's stdout/stderr. */
  log?: (chunk: string) => void;
  /**
   * For tests: keep this stack out of the dev registry other `wrangler dev` sessions on this
   * machine share (so it cannot bind to, or be bound by, someone's `npm start`), and do not
   * reload on wrangler.toml edits.
   */
  isolated?: boolean;
  /** How long to wait for GET /health. Default 120 s (a cold first start bundles four workers). */
  readyTimeoutMs?: number;
  /** Aborting it while the stack starts stops what was started and rejects. */
  signal?: AbortSignal;
}

export interface Stack {
  baseUrl: string;
  adminKey: string;
  /** Settles when wrangler exits, with its exit code (or signal). */
  exited: Promise<number | string | null>;
  stop(): Promise<void>;
  /**
   * For fault tests: SIGKILL wrangler and workerd at once, as a crash would (no shutdown, nothing
   * flushed). Settles once wrangler has exited and the port is free again; the state in
   * `persistTo` stays, for a new stack on it to carry on from.
   */
  kill(): Promise<void>;
}

const WRANGLER = fileURLToPath(new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url));
// wrangler refuses Node 20; the project pins Node 22 as a devDependency (node_modules/.bin/node).
const NODE = Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : path.join(ROOT, 'node_modules/.bin/node');
const CONFIGS = ['wrangler.toml', ...FLEET.map(wranglerConfig)];
/** The configs whose D1 `DB` has migrations to apply: the orchestrator's and each worker's own. */
const MIGRATED = ['wrangler.toml', ...FLEET.filter((worker) => worker.ownDatabase).map(wranglerConfig)];

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const port = options.port ?? 8787;
  const persistTo = path.resolve(ROOT, options.persistTo ?? '.wrangler/state');
  const log = options.log ?? ((chunk: string) => process.stdout.write(chunk));
  const baseUrl = `http://localhost:${port}`;

  // Otherwise a stale server on the port (say, a forgotten `npm start`) would answer our /health.
  if (!(await portIsFree(port))) throw new Error(`Port ${port} is already in use. Stop whatever listens there, or pass --port.`);

  const signal = options.signal ?? new AbortController().signal;
  const { adminKey } = await prepareSecrets();
  mkdirSync(persistTo, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // No telemetry or update checks: local runs may have no network.
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    // A test stack neither sees other dev sessions nor reloads when someone edits a wrangler.toml
    // mid-run (source edits still rebuild: wrangler dev has no switch for that).
    ...(options.isolated ? { WRANGLER_REGISTRY_PATH: path.join(persistTo, 'registry'), WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true' } : {}),
  };

  // Every database must live where `wrangler dev` looks, so each command gets the same --persist-to
  // (without it each config would default to its own directory's .wrangler/state).
  for (const config of MIGRATED) {
    signal.throwIfAborted();
    await runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '-c', config, '--persist-to', persistTo], env, log, signal);
  }
  signal.throwIfAborted();

  const child = spawnWrangler(
    [
      'dev',
      ...CONFIGS.flatMap((config) => ['-c', config]),
      '--port', String(port),
      '--persist-to', persistTo,
      // The first config is served; the fleet is reached over service bindings, so callbacks
      // address this port.
      '--var', `PUBLIC_URL:${baseUrl}`,
      '--show-interactive-dev-session=false',
      // Cron triggers do not fire locally; this exposes GET /__scheduled to fire a tick by hand.
      '--test-scheduled',
    ],
    env,
    log,
  );
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const stop = () => stopChild(child, exited);
  const kill = async () => {
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    await exited;
    // workerd, in the same group, may hold the port a moment longer than wrangler.
    for (const deadline = Date.now() + 10_000; !(await portIsFree(port)) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const onAbort = () => void stop();
  signal.addEventListener('abort', onAbort, { once: true });

  try {
    await waitForHealth(baseUrl, exited, options.readyTimeoutMs ?? 120_000, signal);
    await registerFleet(baseUrl, adminKey);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return { baseUrl, adminKey, exited, stop, kill };
}

/** Registers the demo fleet (fleet/manifest.ts); CONFLICT means it already is (a restart on the same state). */
export async function registerFleet(baseUrl: string, adminKey: string): Promise<void> {
  for (const worker of FLEET) {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({
        query: 'mutation Register($input: RegisterWorkerInput!) { registerWorker(input: $input) { name } }',
        variables: { input: registration(worker) },
      }),
    });
    const body = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    const errors = (body.errors ?? []).filter((error) => error.extensions?.code !== 'CONFLICT');
    if (!response.ok || errors.length > 0) {
      throw new Error(`registerWorker(${worker.name}) failed (HTTP ${response.status}): ${JSON.stringify(body.errors ?? body)}`);
    }
  }
}

/** Process groups we started and have not seen exit; signalled if this process exits first. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) signalGroup(pid, 'SIGTERM');
});

function spawnWrangler(args: string[], env: NodeJS.ProcessEnv, log: (chunk: string) => void): ChildProcess {
  // Its own process group, so stop() reaches workerd too and a terminal's Ctrl-C reaches it only
  // through us (we forward it, then clean up).
  const child = spawn(NODE, [WRANGLER, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid;
  if (pid !== undefined) {
    liveGroups.add(pid);
    child.once('exit', () => liveGroups.delete(pid));
  }
  child.stdout?.setEncoding('utf8').on('data', log);
  child.stderr?.setEncoding('utf8').on('data', log);
  return child;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a wrangler command to completion. stdin is not a TTY, so it asks nothing (it says so). */
async function runWrangler(args: string[], env: NodeJS.ProcessEnv, log: (chunk: string) => void, signal: AbortSignal): Promise<void> {
  let output = '';
  const child = spawnWrangler(args, env, (chunk) => {
    output += chunk;
    log(chunk);
  });
  const kill = () => child.pid !== undefined && signalGroup(child.pid, 'SIGTERM');
  signal.addEventListener('abort', kill, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  }).finally(() => signal.removeEventListener('abort', kill));
  signal.throwIfAborted();
  if (code !== 0) throw new Error(`wrangler ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`);
}

async function waitForHealth(baseUrl: string, exited: Promise<unknown>, timeoutMs: number, signal: AbortSignal): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    if (gone) throw new Error(`wrangler dev exited before ${baseUrl}/health answered (see its output above).`);
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 500)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${baseUrl}/health did not answer 200 within ${timeoutMs / 1000} s (last: ${last}).`);
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  // wrangler has exited; make sure nothing it started outlives it.
  signalGroup(pid, 'SIGKILL');
}

/** Whether nothing listens on the port, on either loopback family (`localhost` may be either). */
async function portIsFree(port: number): Promise<boolean> {
  for (const host of ['127.0.0.1', '::1']) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT'));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

/** A port the OS says is free right now, for an isolated stack. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
