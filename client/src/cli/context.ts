import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { createWorkerHealthClient, graphqlEndpoints, type WorkerHealthClient } from '../client.js';
import { CliError, EXIT } from './exit-codes.js';

export const DEFAULT_URL = 'http://localhost:8787';

/** The options every command takes (commander's names). */
export interface GlobalOptions {
  url: string;
  apiKey?: string;
  json?: boolean;
  color: boolean;
}

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Colour only for a terminal, never with NO_COLOR (https://no-color.org: set and not empty) or
 * --no-color; FORCE_COLOR (not "0") forces it, for CI logs that render ANSI.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag: boolean): boolean {
  if (!flag) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The local stack's admin key, from ./.dev.vars (what `npm start` writes): only for a localhost
 * URL, so a development key is never sent anywhere else.
 */
export function devVarsAdminKey(url: string, cwd: string): string | undefined {
  if (!LOCAL_HOSTS.has(new URL(url).hostname)) return undefined;
  const file = path.join(cwd, '.dev.vars');
  if (!existsSync(file)) return undefined;
  const match = /^ADMIN_API_KEY\s*=\s*(.+)$/m.exec(readFileSync(file, 'utf8'));
  const value = match?.[1]?.trim().replace(/^(["'])(.*)\1$/, '$2');
  return value || undefined;
}

/** What a command runs with: where, as whom, how to print. */
export class Context {
  readonly json: boolean;
  /** For stdout and stderr: each is coloured only if it is a terminal. */
  readonly color: Colors;
  readonly errColor: Colors;
  readonly url: string;
  private cachedClient: WorkerHealthClient | undefined;

  constructor(
    private readonly options: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly cwd: string = process.cwd(),
  ) {
    this.json = options.json === true;
    this.color = pc.createColors(colorEnabled(process.stdout, env, options.color));
    this.errColor = pc.createColors(colorEnabled(process.stderr, env, options.color));
    try {
      this.url = graphqlEndpoints(options.url).http;
    } catch (error) {
      throw new CliError(EXIT.USAGE, `--url: ${(error as Error).message}`);
    }
  }

  get stdoutIsTTY(): boolean {
    return process.stdout.isTTY === true;
  }

  get stderrIsTTY(): boolean {
    return process.stderr.isTTY === true;
  }

  /** The typed client, made on first use (so `--help` and usage errors need no key). */
  client(): WorkerHealthClient {
    if (!this.cachedClient) {
      const apiKey = this.options.apiKey || devVarsAdminKey(this.url, this.cwd);
      if (!apiKey) {
        throw new CliError(
          EXIT.AUTH,
          'no API key: set WORKER_HEALTH_API_KEY or pass --api-key (against a local `npm start` stack, ./.dev.vars is read)',
        );
      }
      this.cachedClient = createWorkerHealthClient({ url: this.url, apiKey });
    }
    return this.cachedClient;
  }

  /** A line on stdout: what the command is for. */
  out(line = ''): void {
    process.stdout.write(`${line}\n`);
  }

  /** A line on stderr: notes for a person, never data. */
  note(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /** With WORKER_HEALTH_DEBUG set: what the CLI is doing, timestamped, on stderr. */
  debug(line: string): void {
    if (this.env['WORKER_HEALTH_DEBUG']) process.stderr.write(`${new Date().toISOString().slice(11, 23)} debug: ${line}\n`);
  }

  printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  async dispose(): Promise<void> {
    await this.cachedClient?.dispose();
  }
}
