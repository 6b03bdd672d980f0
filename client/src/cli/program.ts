import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import { registerAlertCommands } from './alerts.js';
import { colorEnabled, Context, DEFAULT_URL, type GlobalOptions } from './context.js';
import { describeError, EXIT, exitCodeForError, type ExitCode } from './exit-codes.js';
import { createKey, listKeys, revokeKey } from './keys.js';
import { cancel, check, history, showStatus, tail, type CheckOptions, type HistoryOptions } from './runs.js';
import { createSchedule, deleteSchedule, listSchedules, setScheduleEnabled, updateSchedule, type CreateScheduleOptions, type UpdateScheduleOptions } from './schedules.js';
import { listWorkers, registerWorker, removeWorker, updateWorker, workerSecret, type RegisterOptions, type SecretOptions, type UpdateOptions } from './workers.js';

export const EXIT_CODE_HELP = `
Exit codes:
   0  healthy (check --watch), or the command succeeded
   1  degraded
   2  unhealthy
   3  critical, every worker failed, or the score is below --min-score
   4  the run was cancelled
  64  usage: a bad command, option or argument (or BAD_USER_INPUT from the server)
  65  refused: NOT_FOUND or CONFLICT (an unknown run, an unregistered worker, a duplicate name)
  69  unreachable: no server at --url, or it is not worker-health
  70  internal: an unexpected error (INTERNAL_SERVER_ERROR, wrangler failed)
  75  timed out: the run ended TIMEOUT, or --max-wait ran out (the run goes on)
  77  auth: no API key, a wrong or revoked one, or a role too low
 130  interrupted (Ctrl-C) while waiting for a run

Environment:
  WORKER_HEALTH_URL      the orchestrator (default ${DEFAULT_URL})
  WORKER_HEALTH_API_KEY  an API key; against a localhost URL, ADMIN_API_KEY from ./.dev.vars when unset
  NO_COLOR, FORCE_COLOR  colours off / on (by default only on a terminal)
`;

function version(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    const file = new URL(candidate, import.meta.url);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@worker-health/client' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

function decimal(min: number, max: number, { exclusiveMin = false } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || (exclusiveMin && n === min) || n > max) {
      throw new InvalidArgumentError(`expected a number ${exclusiveMin ? 'above' : 'from'} ${min}${Number.isFinite(max) ? ` to ${max}` : ''}.`);
    }
    return n;
  };
}

/** Comma-separated and repeatable: `--workers a,b --workers c`. */
function list(value: string, previous: string[] | undefined): string[] {
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('expected one or more names, comma-separated.');
  return [...(previous ?? []), ...items];
}

function checkOptions(command: Command): Command {
  return command
    .option('--workers <names>', 'only these workers: names or types, comma-separated (repeatable)', list)
    .option('--no-unit', 'skip the unit tests')
    .option('--no-performance', 'skip the performance tests')
    .option('--no-integration', 'skip the integration tests')
    .option('--timeout <minutes>', "the run's deadline for every worker's result, 1-1440 (default 30)", integer(1, 1440))
    .option('--source <text>', "who or what asked, kept as the run's triggerSource (default: the API key's name)")
    .option('--min-score <score>', 'with --watch: exit 3 when the run scores below this, 0-1', decimal(0, 1))
    .option('--max-wait <seconds>', 'with --watch: stop waiting after this long and exit 75 (the run goes on)', decimal(0, Number.POSITIVE_INFINITY, { exclusiveMin: true }));
}

/** The program; `result.code` is set by the command that ran. */
export function createProgram(result: { code: ExitCode }): Command {
  const program = new Command();
  program
    .name('worker-health')
    .description('Start, follow and gate on health checks of a worker-health orchestrator; manage its workers, schedules, keys and alerts.')
    .version(version(), '-V, --version')
    .addOption(new Option('--url <url>', 'the orchestrator').env('WORKER_HEALTH_URL').default(DEFAULT_URL))
    .addOption(new Option('--api-key <key>', 'an API key (prefer the variable: arguments show in process lists)').env('WORKER_HEALTH_API_KEY'))
    .option('--json', 'machine-readable output (JSON on stdout)')
    .option('--no-color', 'no colours (they are only ever used on a terminal; NO_COLOR works too)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    // One line, like every other failure: `worker-health: unknown option '--bogus' (see --help)`.
    .configureOutput({ outputError: (text, write) => write(`worker-health: ${text.trim().replace(/^error: /, '')} (see --help)\n`) })
    .addHelpText('after', EXIT_CODE_HELP);

  /** Runs a command's action with its Context; errors go up to main. */
  const action =
    <A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<ExitCode>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const ctx = new Context(command.optsWithGlobals<GlobalOptions>());
      try {
        result.code = await fn(ctx, ...(args.slice(0, -1) as A));
      } finally {
        await ctx.dispose();
      }
    };

  checkOptions(
    program
      .command('check')
      .description("start a health check; with --watch follow it live and exit with its verdict (0 healthy, 1 degraded, 2 unhealthy, 3 critical)")
      .option('--watch', "follow the run to its end: a progress bar, each worker's result as it lands, a final table"),
  ).action(action((ctx, options: CheckOptions) => check(ctx, options)));

  checkOptions(
    program
      .command('watch')
      .description("print every run's events live until Ctrl-C; with --start, the same as check --watch")
      .option('--start', 'start a run and follow it to its end (check --watch), taking check\'s options'),
  ).action(
    action((ctx, options: CheckOptions & { start?: boolean }, ) => {
      if (options.start) return check(ctx, { ...options, watch: true });
      return tail(ctx);
    }),
  );

  program
    .command('status')
    .description("a run as it is now (its workers, score, analysis), or one worker's check")
    .argument('<uuid>', "a run's uuid (or a worker check's)")
    .action(action((ctx, uuid: string) => showStatus(ctx, uuid)));

  program
    .command('cancel')
    .description('cancel a running run; workers that have not reported are no longer waited for')
    .argument('<uuid>', "the run's uuid")
    .action(action((ctx, uuid: string) => cancel(ctx, uuid)));

  program
    .command('history')
    .description('past runs, newest first')
    .option('--limit <n>', 'how many, 1-100', integer(1, 100), 20)
    .addOption(new Option('--trigger <type>', 'only runs started this way').choices(['cron', 'on-demand']))
    .addOption(new Option('--status <status>', 'only runs in this state').choices(['running', 'completed', 'failed', 'timeout', 'cancelled']))
    .option('--after <cursor>', 'the page after this cursor (printed under the table)')
    .action(action((ctx, options: HistoryOptions) => history(ctx, options)));

  const workers = program.command('workers').description('the worker registry: list, register, update, remove, and put a worker\'s secret where it is needed');
  workers.command('list').description('every registered worker').action(action((ctx) => listWorkers(ctx)));
  workers
    .command('register')
    .description('add a worker; then give it its secret with `workers secret`')
    .argument('<name>', 'unique: lower-case letters, digits and "-"')
    .requiredOption('--type <type>', 'what kind of worker it is (filters match names or types)')
    .option('--worker-url <url>', 'its https base URL (http only for localhost)')
    .option('--binding <binding>', "the orchestrator's service binding that reaches it")
    .option('--disabled', 'register it, but leave it out of runs until enabled')
    .option('--depends-on <names>', 'registered workers it depends on, comma-separated (alerts fold into theirs)', list)
    .action(action((ctx, name: string, { workerUrl, disabled, ...options }: Omit<RegisterOptions, 'enabled' | 'url'> & { workerUrl?: string; disabled?: boolean }) =>
        registerWorker(ctx, name, { ...options, ...(workerUrl === undefined ? {} : { url: workerUrl }), enabled: !disabled }),
      ));
  workers
    .command('update')
    .description('change a worker: only the options given change')
    .argument('<name>')
    .option('--type <type>')
    .option('--worker-url <url>', 'reach it at this URL instead')
    .option('--binding <binding>', 'reach it through this service binding instead')
    .option('--enable', 'include it in runs')
    .option('--disable', 'leave it out of runs')
    .option('--depends-on <names>', 'replace the workers it depends on, comma-separated', list)
    .option('--no-depends-on', 'it depends on no worker')
    .action(action((ctx, name: string, { workerUrl, ...options }: Omit<UpdateOptions, 'url'> & { workerUrl?: string }) =>
        updateWorker(ctx, name, { ...options, ...(workerUrl === undefined ? {} : { url: workerUrl }) }),
      ));
  workers
    .command('remove')
    .description('remove a worker (its past results stay in the history)')
    .argument('<name>')
    .action(action((ctx, name: string) => removeWorker(ctx, name)));
  workers
    .command('secret')
    .description(
      "put a registered worker's signing secret (HEALTH_CHECK_SECRET) where the worker reads it: a .dev.vars file, or `wrangler secret put`; it is printed only with --print",
    )
    .argument('<name>', 'the registered worker (register it first: the secret exists only for registered workers)')
    .argument('[wrangler-args...]', 'with --wrangler-put, after --: more arguments for wrangler (e.g. -- -c fleet/x/wrangler.toml)')
    .option('--dev-vars <path>', 'set HEALTH_CHECK_SECRET in this .dev.vars file (other lines are kept; created if missing)')
    .option('--wrangler-put', 'pipe it to `wrangler secret put HEALTH_CHECK_SECRET` (wrangler from PATH)')
    .option('--name <script>', "with --wrangler-put: wrangler's --name (default: the wrangler.toml in --cwd)")
    .option('--env <environment>', "with --wrangler-put: wrangler's --env")
    .option('--config <path>', "with --wrangler-put: wrangler's --config")
    .option('--cwd <dir>', 'with --wrangler-put: run wrangler in this directory (default: the current one)')
    .option('--print', 'print the secret on stdout instead')
    .action(action((ctx, name: string, wranglerArgs: string[], options: SecretOptions) => workerSecret(ctx, name, { ...options, wranglerArgs })));

  const schedules = program.command('schedules').description('cron schedules that start runs');
  schedules.command('list').description('every schedule').action(action((ctx) => listSchedules(ctx)));
  schedules
    .command('create')
    .description('add a schedule')
    .argument('<name>')
    .requiredOption('--cron <expression>', 'five fields, or six with seconds first, e.g. "0 2 * * *"')
    .option('--time-zone <zone>', 'the IANA time zone the expression is read in, e.g. Europe/Berlin (default UTC)')
    .option('--timeout <minutes>', "each run's deadline, 1-1440 (default 30)", integer(1, 1440))
    .option('--workers <names>', 'only these workers: names or types, comma-separated (default: all)', list)
    .option('--no-unit', 'skip the unit tests')
    .option('--no-performance', 'skip the performance tests')
    .option('--no-integration', 'skip the integration tests')
    .option('--disabled', 'create it disabled')
    .action(action((ctx, name: string, options: Omit<CreateScheduleOptions, 'enabled'> & { disabled?: boolean }) => createSchedule(ctx, name, { ...options, enabled: !options.disabled })));
  schedules
    .command('update')
    .description('change a schedule: only the options given change')
    .argument('<name>')
    .option('--cron <expression>', 'a new cron expression')
    .option('--time-zone <zone>', 'the IANA time zone it is read in')
    .option('--timeout <minutes>', "each run's deadline, 1-1440", integer(1, 1440))
    .option('--workers <names>', 'only these workers, comma-separated', list)
    .option('--all-workers', 'every enabled worker (clears --workers)')
    .option('--unit', 'run the unit tests')
    .option('--no-unit', 'skip the unit tests')
    .option('--performance', 'run the performance tests')
    .option('--no-performance', 'skip the performance tests')
    .option('--integration', 'run the integration tests')
    .option('--no-integration', 'skip the integration tests')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .action(action((ctx, name: string, options: UpdateScheduleOptions) => updateSchedule(ctx, name, options)));
  schedules.command('enable').description('enable a schedule').argument('<name>').action(action((ctx, name: string) => setScheduleEnabled(ctx, name, true)));
  schedules.command('disable').description('disable a schedule').argument('<name>').action(action((ctx, name: string) => setScheduleEnabled(ctx, name, false)));
  schedules.command('delete').description('delete a schedule').argument('<name>').action(action((ctx, name: string) => deleteSchedule(ctx, name)));

  const keys = program.command('keys').description('API keys (admin)');
  keys.command('list').description('every key, without the keys themselves').action(action((ctx) => listKeys(ctx)));
  keys
    .command('create')
    .description('create a key and print it once (stdout, alone)')
    .argument('<name>')
    .addOption(new Option('--role <role>', 'what it may do').choices(['viewer', 'operator', 'admin']).default('viewer'))
    .action(action((ctx, name: string, options: { role: string }) => createKey(ctx, name, options.role)));
  keys.command('revoke').description('revoke a key at once').argument('<name>').action(action((ctx, name: string) => revokeKey(ctx, name)));

  registerAlertCommands(program, action, { integer, decimal, list });

  return program;
}

/** Runs the CLI and answers its exit code; errors are printed as one line on stderr. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const result: { code: ExitCode } = { code: EXIT.OK };
  const program = createProgram(result);
  try {
    await program.parseAsync([...argv]);
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (or the help) already.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.OK : EXIT.USAGE;
    }
    const options = program.opts<GlobalOptions>();
    const c = pc.createColors(colorEnabled(process.stderr, process.env, options.color !== false));
    process.stderr.write(`${c.red('worker-health:')} ${describeError(error)}\n`);
    return exitCodeForError(error);
  }
}
