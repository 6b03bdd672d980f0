/**
 * Runs the built `worker-health` CLI (client/dist/src/cli.js) as a child process, as a pipeline
 * would: no terminal, NO_COLOR, the e2e stack's URL and admin key in the environment unless a
 * test says otherwise, and a working directory without a .dev.vars.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { CLI_PATH, NODE } from './build-client';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Variables to set (or, as undefined, to remove) on top of the defaults. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

export function cliRunner(defaults: { url: string; apiKey: string }) {
  return function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', WORKER_HEALTH_URL: defaults.url, WORKER_HEALTH_API_KEY: defaults.apiKey };
    delete env['FORCE_COLOR'];
    delete env['WORKER_HEALTH_DEBUG'];
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    return new Promise((resolve, reject) => {
      execFile(NODE, [CLI_PATH, ...args], { env, cwd: options.cwd ?? tmpdir(), timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(Object.assign(error, { stdout, stderr }));
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      });
    });
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** JSON a command printed on stdout; a failure shows what it printed. */
export function json<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
