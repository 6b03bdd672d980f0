import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  RegisterWorkerDocument,
  RemoveWorkerDocument,
  UpdateWorkerDocument,
  WorkerSigningSecretDocument,
  WorkersDocument,
  type UpdateWorkerInput,
  type WorkerFieldsFragment,
} from '../../generated/graphql.js';
import { WorkerHealthError } from '../errors.js';
import type { Context } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { table, time } from './format.js';

/** The variable the SDK reads its signing secret from. */
export const SECRET_VARIABLE = 'HEALTH_CHECK_SECRET';

function reachedBy(worker: Pick<WorkerFieldsFragment, 'binding' | 'url'>): string {
  return worker.binding ? `binding ${worker.binding}` : worker.url ? `url ${worker.url}` : '-';
}

export async function listWorkers(ctx: Context): Promise<ExitCode> {
  const { workers } = await ctx.client().request(WorkersDocument);
  if (ctx.json) ctx.printJson(workers);
  else if (workers.length === 0) ctx.out('no workers registered (worker-health workers register <name> --type <type> --worker-url <https://…>)');
  else {
    const c = ctx.color;
    ctx.out(
      table(
        c,
        ['NAME', 'TYPE', 'ENABLED', 'REACHED BY', 'DEPENDS ON', 'UPDATED'],
        workers.map((w) => [w.name, w.type, w.enabled ? c.green('yes') : c.yellow('no'), reachedBy(w), w.dependsOn.join(',') || '-', time(w.updatedAt)]),
      ),
    );
  }
  return EXIT.OK;
}

export interface RegisterOptions {
  type: string;
  binding?: string;
  url?: string;
  enabled: boolean;
  dependsOn?: string[];
}

function oneWayToReach(options: { binding?: string; url?: string }, required: boolean): void {
  if (options.binding !== undefined && options.url !== undefined) throw new CliError(EXIT.USAGE, 'give --binding or --worker-url, not both');
  if (required && options.binding === undefined && options.url === undefined) {
    throw new CliError(EXIT.USAGE, 'say how the orchestrator reaches it: --worker-url <https://…> or --binding <SERVICE_BINDING>');
  }
}

export async function registerWorker(ctx: Context, name: string, options: RegisterOptions): Promise<ExitCode> {
  oneWayToReach(options, true);
  const { registerWorker: worker } = await ctx.client().request(RegisterWorkerDocument, {
    input: {
      name,
      type: options.type,
      enabled: options.enabled,
      ...(options.binding === undefined ? {} : { binding: options.binding }),
      ...(options.url === undefined ? {} : { url: options.url }),
      ...(options.dependsOn === undefined ? {} : { dependsOn: options.dependsOn }),
    },
  });
  if (ctx.json) ctx.printJson(worker);
  else {
    ctx.out(`registered ${worker.name} (${worker.type}, ${reachedBy(worker)}${worker.enabled ? '' : ', disabled'}${dependsOnText(worker)})`);
    ctx.note(`next: give it its secret: worker-health workers secret ${worker.name} --wrangler-put (or --dev-vars <path>/.dev.vars)`);
  }
  return EXIT.OK;
}

export interface UpdateOptions {
  type?: string;
  binding?: string;
  url?: string;
  enable?: boolean;
  disable?: boolean;
  /** A list replaces them; false (--no-depends-on) clears them. */
  dependsOn?: string[] | false;
}

const dependsOnText = (worker: Pick<WorkerFieldsFragment, 'dependsOn'>) => (worker.dependsOn.length ? `, depends on ${worker.dependsOn.join(', ')}` : '');

export async function updateWorker(ctx: Context, name: string, options: UpdateOptions): Promise<ExitCode> {
  oneWayToReach(options, false);
  if (options.enable && options.disable) throw new CliError(EXIT.USAGE, 'give --enable or --disable, not both');
  const input: UpdateWorkerInput = {
    ...(options.type === undefined ? {} : { type: options.type }),
    ...(options.binding === undefined ? {} : { binding: options.binding }),
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
    ...(options.dependsOn === undefined ? {} : { dependsOn: options.dependsOn === false ? [] : options.dependsOn }),
  };
  if (Object.keys(input).length === 0) throw new CliError(EXIT.USAGE, 'nothing to change: give --type, --binding, --worker-url, --enable, --disable, --depends-on or --no-depends-on');
  const { updateWorker: worker } = await ctx.client().request(UpdateWorkerDocument, { name, input });
  if (ctx.json) ctx.printJson(worker);
  else ctx.out(`updated ${worker.name} (${worker.type}, ${reachedBy(worker)}, ${worker.enabled ? 'enabled' : 'disabled'}${dependsOnText(worker)})`);
  return EXIT.OK;
}

export async function removeWorker(ctx: Context, name: string): Promise<ExitCode> {
  const { removeWorker: removed } = await ctx.client().request(RemoveWorkerDocument, { name });
  if (ctx.json) ctx.printJson({ name, removed });
  else ctx.out(`removed ${name} (its past results stay in the history)`);
  return EXIT.OK;
}

export interface SecretOptions {
  devVars?: string;
  wranglerPut?: boolean;
  print?: boolean;
  /** wrangler's own options, passed through with --wrangler-put. */
  name?: string;
  env?: string;
  config?: string;
  cwd?: string;
  /** Given after `--`: passed to wrangler as they are. */
  wranglerArgs?: string[];
}

/**
 * `workers secret <name>`: the worker's signing secret, put where the worker reads it: a
 * .dev.vars file (local `wrangler dev`) or `wrangler secret put` (deployed). It is printed only
 * with --print.
 */
export async function workerSecret(ctx: Context, worker: string, options: SecretOptions): Promise<ExitCode> {
  const destinations = [options.devVars !== undefined, options.wranglerPut === true, options.print === true].filter(Boolean).length;
  if (destinations !== 1) {
    throw new CliError(EXIT.USAGE, 'say where the secret goes, once: --dev-vars <path>, --wrangler-put, or --print');
  }
  if (!options.wranglerPut) {
    for (const [flag, value] of [['--name', options.name], ['--env', options.env], ['--config', options.config], ['--cwd', options.cwd]] as const) {
      if (value !== undefined) throw new CliError(EXIT.USAGE, `${flag} is passed to wrangler: it needs --wrangler-put`);
    }
    if (options.wranglerArgs && options.wranglerArgs.length > 0) {
      throw new CliError(EXIT.USAGE, `unexpected arguments ${options.wranglerArgs.join(' ')}: arguments after the worker's name go to wrangler, with --wrangler-put`);
    }
  }

  let secret: string;
  try {
    ({ workerSigningSecret: secret } = await ctx.client().request(WorkerSigningSecretDocument, { name: worker }));
  } catch (error) {
    if (error instanceof WorkerHealthError && error.code === 'NOT_FOUND') {
      throw new CliError(
        EXIT.REFUSED,
        `worker "${worker}" is not registered, so it has no secret yet: register it first (worker-health workers register ${worker} --type <type> --worker-url <https://…>), then run this again`,
      );
    }
    throw error;
  }

  if (options.print) {
    if (ctx.json) ctx.printJson({ name: worker, variable: SECRET_VARIABLE, secret });
    else ctx.out(secret);
    return EXIT.OK;
  }
  if (options.devVars !== undefined) {
    const file = path.resolve(ctx.cwd, options.devVars);
    const replaced = writeDevVar(file, SECRET_VARIABLE, secret);
    if (ctx.json) ctx.printJson({ name: worker, variable: SECRET_VARIABLE, devVars: file, replaced });
    else ctx.out(`${replaced ? 'replaced' : 'wrote'} ${SECRET_VARIABLE} for ${worker} in ${file}`);
    return EXIT.OK;
  }

  const args = ['secret', 'put', SECRET_VARIABLE];
  if (options.name !== undefined) args.push('--name', options.name);
  if (options.env !== undefined) args.push('--env', options.env);
  if (options.config !== undefined) args.push('--config', options.config);
  args.push(...(options.wranglerArgs ?? []));
  await wranglerPut(args, secret, options.cwd === undefined ? ctx.cwd : path.resolve(ctx.cwd, options.cwd));
  if (ctx.json) ctx.printJson({ name: worker, variable: SECRET_VARIABLE, wrangler: args });
  else ctx.out(`set ${SECRET_VARIABLE} for ${worker} with \`wrangler ${args.join(' ')}\``);
  return EXIT.OK;
}

/**
 * Sets `key=value` in a dotenv file: replaces the line(s) of that key, keeps every other line,
 * creates the file (owner-only) if it is missing. Answers whether the key was there.
 */
export function writeDevVar(file: string, key: string, value: string): boolean {
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const line = `${key}=${value}`;
  if (existing === null) {
    writeFileSync(file, `${line}\n`, { mode: 0o600 });
    return false;
  }
  const pattern = new RegExp(`^\\s*(?:export\\s+)?${key}\\s*=`);
  const lines = existing.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  let replaced = false;
  const next: string[] = [];
  for (const current of lines) {
    if (!pattern.test(current)) next.push(current);
    else if (!replaced) {
      next.push(line);
      replaced = true;
    }
  }
  if (!replaced) next.push(line);
  writeFileSync(file, `${next.join('\n')}\n`);
  return replaced;
}

/** Runs `wrangler <args>` with the secret on its stdin (never in its arguments or our output). */
function wranglerPut(args: string[], secret: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // wrangler's own output goes to stderr, so --json output stays JSON.
    const child = spawn('wrangler', args, { cwd, stdio: ['pipe', 2, 2], shell: process.platform === 'win32' });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new CliError(EXIT.INTERNAL, 'wrangler is not on PATH: install it (npm install -D wrangler) and run this with npx, or use --dev-vars')
          : new CliError(EXIT.INTERNAL, `could not run wrangler: ${error.message}`),
      );
    });
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CliError(EXIT.INTERNAL, `\`wrangler ${args.join(' ')}\` failed (${code === null ? `signal ${signal}` : `exit ${code}`}); its output is above`));
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(secret);
  });
}
