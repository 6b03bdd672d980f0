import { Command, Option } from 'commander';
import {
  AcknowledgeAlertDocument,
  AlertChannelsDocument,
  AlertDocument,
  AlertRulesDocument,
  AlertsDocument,
  CreateAlertChannelDocument,
  CreateAlertRuleDocument,
  CreateMaintenanceWindowDocument,
  DeleteAlertChannelDocument,
  DeleteAlertRuleDocument,
  DeleteMaintenanceWindowDocument,
  MaintenanceWindowsDocument,
  TestAlertChannelDocument,
  UpdateAlertChannelDocument,
  UpdateAlertRuleDocument,
  type AlertChannelKind,
  type AlertFieldsFragment,
  type AlertRuleFieldsFragment,
  type AlertStatus,
  type CreateAlertRuleInput,
  type HealthStatus,
  type MaintenanceWindowFieldsFragment,
  type UpdateAlertChannelInput,
  type UpdateAlertRuleInput,
} from '../../generated/graphql.js';
import type { Colors, Context } from './context.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { band, table, time } from './format.js';

// ── Alerts ─────────────────────────────────────────────────────────────────────────────────────

function alertStatus(c: Colors, status: AlertStatus): string {
  return status === 'OPEN' ? c.red(status) : status === 'ACKNOWLEDGED' ? c.yellow(status) : c.green(status);
}

const subject = (alert: Pick<AlertFieldsFragment, 'workerName'>) => alert.workerName ?? 'fleet';

export interface ListAlertsOptions {
  status?: string;
  limit: number;
  after?: string;
}

export async function listAlerts(ctx: Context, options: ListAlertsOptions): Promise<ExitCode> {
  const { alerts } = await ctx.client().request(AlertsDocument, {
    first: options.limit,
    ...(options.status ? { status: options.status.toUpperCase() as AlertStatus } : {}),
    ...(options.after ? { after: options.after } : {}),
  });
  if (ctx.json) {
    ctx.printJson(alerts);
    return EXIT.OK;
  }
  const c = ctx.color;
  if (alerts.edges.length === 0) ctx.out(`no ${options.status ? `${options.status} ` : ''}alerts`);
  else {
    ctx.out(
      table(
        c,
        ['ID', 'STATUS', 'RULE', 'SUBJECT', 'HEALTH', 'SCORE', 'OPENED (UTC)', 'RESOLVED (UTC)', 'AFFECTED'],
        alerts.edges.map(({ node: a }) => [
          a.id,
          alertStatus(c, a.status) + (a.flapping ? c.yellow(' flapping') : ''),
          a.rule,
          subject(a),
          band(c, a.healthStatus),
          a.score === null ? '-' : a.score.toFixed(4),
          time(a.openedAt),
          time(a.resolvedAt),
          a.affectedWorkers.join(',') || '-',
        ]),
      ),
    );
  }
  if (alerts.pageInfo.hasNextPage && alerts.pageInfo.endCursor) ctx.note(`more: worker-health alerts list --after ${alerts.pageInfo.endCursor}`);
  return EXIT.OK;
}

export async function showAlert(ctx: Context, id: string): Promise<ExitCode> {
  const { alert } = await ctx.client().request(AlertDocument, { id });
  if (!alert) throw new CliError(EXIT.REFUSED, `there is no alert ${id}`);
  if (ctx.json) {
    ctx.printJson(alert);
    return EXIT.OK;
  }
  const c = ctx.color;
  ctx.out(`${c.bold(`alert ${alert.id}`)}  ${alertStatus(c, alert.status)}${alert.flapping ? c.yellow(' (flapping)') : ''}  rule ${alert.rule}  ${subject(alert)}  ${band(c, alert.healthStatus)}`);
  if (alert.summary) ctx.out(alert.summary);
  if (alert.affectedWorkers.length) ctx.out(`affected dependants: ${alert.affectedWorkers.join(', ')}`);
  for (const [i, text] of alert.recommendations.entries()) ctx.out(`  ${i + 1}. ${text}`);
  if (alert.acknowledgedAt) ctx.out(`acknowledged by ${alert.acknowledgedBy ?? '?'} at ${time(alert.acknowledgedAt)} UTC`);
  ctx.out();
  ctx.out(table(c, ['TRANSITION', 'AT (UTC)', 'RUN', 'HEALTH'], alert.transitions.map((t) => [t.kind, time(t.at), t.healthCheckUuid ?? '-', band(c, t.healthStatus)])));
  if (alert.deliveries.length) {
    ctx.out();
    ctx.out(
      table(
        c,
        ['DELIVERY', 'CHANNEL', 'STATUS', 'ATTEMPTS', 'LAST ANSWER', 'ERROR'],
        alert.deliveries.map((d) => [
          d.transition,
          d.channel,
          d.status === 'DELIVERED' ? c.green(d.status) : d.status === 'PENDING' || d.status === 'SENDING' ? c.cyan(d.status) : c.red(d.status),
          String(d.attemptCount),
          d.lastStatusCode === null ? '-' : String(d.lastStatusCode),
          d.lastError ?? '',
        ]),
      ),
    );
  }
  return EXIT.OK;
}

export async function acknowledge(ctx: Context, id: string): Promise<ExitCode> {
  const { acknowledgeAlert: alert } = await ctx.client().request(AcknowledgeAlertDocument, { id });
  if (ctx.json) ctx.printJson(alert);
  else ctx.out(`acknowledged alert ${alert.id} (${alert.rule}, ${subject(alert)}); reminders stop, it still resolves by itself`);
  return EXIT.OK;
}

// ── Channels ───────────────────────────────────────────────────────────────────────────────────

export async function listChannels(ctx: Context): Promise<ExitCode> {
  const { alertChannels } = await ctx.client().request(AlertChannelsDocument);
  if (ctx.json) ctx.printJson(alertChannels);
  else if (alertChannels.length === 0) ctx.out('no alert channels (worker-health alerts channels create <name> --kind webhook --channel-url <https://…>)');
  else {
    const c = ctx.color;
    ctx.out(table(c, ['NAME', 'KIND', 'URL', 'ENABLED', 'UPDATED'], alertChannels.map((ch) => [ch.name, ch.kind, ch.url, ch.enabled ? c.green('yes') : c.yellow('no'), time(ch.updatedAt)])));
  }
  return EXIT.OK;
}

export interface CreateChannelOptions {
  kind: string;
  channelUrl?: string;
  routingKey?: string;
  disabled?: boolean;
}

/** A WEBHOOK channel's signing secret is printed alone on stdout (for `secret=$(…)`): it is not shown again. */
export async function createChannel(ctx: Context, name: string, options: CreateChannelOptions): Promise<ExitCode> {
  const { createAlertChannel } = await ctx.client().request(CreateAlertChannelDocument, {
    input: {
      name,
      kind: options.kind.toUpperCase() as AlertChannelKind,
      enabled: !options.disabled,
      ...(options.channelUrl === undefined ? {} : { url: options.channelUrl }),
      ...(options.routingKey === undefined ? {} : { routingKey: options.routingKey }),
    },
  });
  const { channel, signingSecret } = createAlertChannel;
  if (ctx.json) ctx.printJson(createAlertChannel);
  else if (signingSecret) {
    ctx.out(signingSecret);
    ctx.note(`created ${channel.kind} channel ${channel.name} (${channel.url}); its signing secret is above: give it to the receiver now, it is not shown again`);
  } else ctx.out(`created ${channel.kind} channel ${channel.name} (${channel.url})`);
  return EXIT.OK;
}

export interface UpdateChannelOptions {
  channelUrl?: string;
  routingKey?: string;
  enable?: boolean;
  disable?: boolean;
  rotateSecret?: boolean;
}

export async function updateChannel(ctx: Context, name: string, options: UpdateChannelOptions): Promise<ExitCode> {
  if (options.enable && options.disable) throw new CliError(EXIT.USAGE, 'give --enable or --disable, not both');
  const input: UpdateAlertChannelInput = {
    ...(options.channelUrl === undefined ? {} : { url: options.channelUrl }),
    ...(options.routingKey === undefined ? {} : { routingKey: options.routingKey }),
    ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
    ...(options.rotateSecret ? { rotateSigningSecret: true } : {}),
  };
  if (Object.keys(input).length === 0) throw new CliError(EXIT.USAGE, 'nothing to change: give --channel-url, --routing-key, --enable, --disable or --rotate-secret');
  const { updateAlertChannel } = await ctx.client().request(UpdateAlertChannelDocument, { name, input });
  const { channel, signingSecret } = updateAlertChannel;
  if (ctx.json) ctx.printJson(updateAlertChannel);
  else if (signingSecret) {
    ctx.out(signingSecret);
    ctx.note(`rotated the signing secret of ${channel.name}: the new one is above, the old one no longer signs`);
  } else ctx.out(`updated channel ${channel.name} (${channel.kind}, ${channel.url}, ${channel.enabled ? 'enabled' : 'disabled'})`);
  return EXIT.OK;
}

export async function deleteChannel(ctx: Context, name: string): Promise<ExitCode> {
  const { deleteAlertChannel: deleted } = await ctx.client().request(DeleteAlertChannelDocument, { name });
  if (ctx.json) ctx.printJson({ name, deleted });
  else ctx.out(`deleted channel ${name}`);
  return EXIT.OK;
}

/** Exits 0 when the receiver answered 2xx, 69 (unreachable) otherwise. */
export async function testChannel(ctx: Context, name: string): Promise<ExitCode> {
  const { testAlertChannel: result } = await ctx.client().request(TestAlertChannelDocument, { name });
  if (ctx.json) ctx.printJson(result);
  else if (result.ok) ctx.out(`${name}: the receiver answered ${result.statusCode} in ${result.latencyMs} ms`);
  else ctx.out(`${name}: ${result.error ?? `the receiver answered ${result.statusCode}`} (${result.latencyMs} ms)`);
  return result.ok ? EXIT.OK : EXIT.UNREACHABLE;
}

// ── Rules ──────────────────────────────────────────────────────────────────────────────────────

function criterion(rule: Pick<AlertRuleFieldsFragment, 'openAt' | 'scoreBelow'>): string {
  return rule.scoreBelow !== null ? `score < ${rule.scoreBelow}` : `${rule.openAt ?? 'DEGRADED'}+`;
}

export async function listRules(ctx: Context): Promise<ExitCode> {
  const { alertRules } = await ctx.client().request(AlertRulesDocument);
  if (ctx.json) ctx.printJson(alertRules);
  else if (alertRules.length === 0) ctx.out('no alert rules (worker-health alerts rules create <name> --channels <names>)');
  else {
    const c = ctx.color;
    ctx.out(
      table(
        c,
        ['NAME', 'WATCHES', 'BAD WHEN', 'OPEN/RESOLVE AFTER', 'REMINDER', 'FLAPPING', 'CHANNELS', 'ENABLED'],
        alertRules.map((r) => [
          r.name,
          r.fleet ? 'fleet score' : r.workerFilters.join(',') || 'all workers',
          criterion(r),
          `${r.failureThreshold}/${r.successThreshold} checks`,
          r.reminderMinutes ? `${r.reminderMinutes} min` : '-',
          r.flapThreshold ? `>${r.flapThreshold} in ${r.flapWindow}` : 'off',
          r.channels.join(','),
          r.enabled ? c.green('yes') : c.yellow('no'),
        ]),
      ),
    );
  }
  return EXIT.OK;
}

export interface RuleOptions {
  channels?: string[];
  workers?: string[];
  allWorkers?: boolean;
  fleet?: boolean;
  openAt?: string;
  scoreBelow?: number;
  failureThreshold?: number;
  successThreshold?: number;
  reminder?: number;
  noReminder?: boolean;
  flapWindow?: number;
  flapThreshold?: number;
  enable?: boolean;
  disable?: boolean;
  disabled?: boolean;
}

function ruleFields(options: RuleOptions) {
  if (options.openAt !== undefined && options.scoreBelow !== undefined) throw new CliError(EXIT.USAGE, 'give --open-at or --score-below, not both');
  return {
    ...(options.workers === undefined ? {} : { workerFilters: options.workers }),
    ...(options.fleet ? { fleet: true } : {}),
    ...(options.openAt === undefined ? {} : { openAt: options.openAt.toUpperCase() as HealthStatus }),
    ...(options.scoreBelow === undefined ? {} : { scoreBelow: options.scoreBelow }),
    ...(options.failureThreshold === undefined ? {} : { failureThreshold: options.failureThreshold }),
    ...(options.successThreshold === undefined ? {} : { successThreshold: options.successThreshold }),
    ...(options.reminder === undefined ? {} : { reminderMinutes: options.reminder }),
    ...(options.flapWindow === undefined ? {} : { flapWindow: options.flapWindow }),
    ...(options.flapThreshold === undefined ? {} : { flapThreshold: options.flapThreshold }),
    ...(options.channels === undefined ? {} : { channels: options.channels }),
  };
}

const describeRule = (r: AlertRuleFieldsFragment) =>
  `${r.name}: ${r.fleet ? 'the fleet score' : r.workerFilters.join(',') || 'every worker'} ${criterion(r)} for ${r.failureThreshold} checks, resolved after ${r.successThreshold}, to ${r.channels.join(',')}`;

export async function createRule(ctx: Context, name: string, options: RuleOptions): Promise<ExitCode> {
  if (options.workers && options.fleet) throw new CliError(EXIT.USAGE, 'give --workers or --fleet, not both');
  const input: CreateAlertRuleInput = { name, channels: options.channels ?? [], enabled: !options.disabled, ...ruleFields(options) };
  const { createAlertRule: rule } = await ctx.client().request(CreateAlertRuleDocument, { input });
  if (ctx.json) ctx.printJson(rule);
  else ctx.out(`created rule ${describeRule(rule)}`);
  return EXIT.OK;
}

export async function updateRule(ctx: Context, name: string, options: RuleOptions): Promise<ExitCode> {
  if (options.enable && options.disable) throw new CliError(EXIT.USAGE, 'give --enable or --disable, not both');
  if (options.workers && options.allWorkers) throw new CliError(EXIT.USAGE, 'give --workers or --all-workers, not both');
  if (options.reminder !== undefined && options.noReminder) throw new CliError(EXIT.USAGE, 'give --reminder or --no-reminder, not both');
  const input: UpdateAlertRuleInput = {
    ...ruleFields(options),
    ...(options.allWorkers ? { workerFilters: [] } : {}),
    ...(options.noReminder ? { reminderMinutes: 0 } : {}),
    ...(options.enable ? { enabled: true } : options.disable ? { enabled: false } : {}),
  };
  if (Object.keys(input).length === 0) throw new CliError(EXIT.USAGE, 'nothing to change: see worker-health alerts rules update --help');
  const { updateAlertRule: rule } = await ctx.client().request(UpdateAlertRuleDocument, { name, input });
  if (ctx.json) ctx.printJson(rule);
  else ctx.out(`updated rule ${describeRule(rule)}${rule.enabled ? '' : ' (disabled)'}`);
  return EXIT.OK;
}

export async function deleteRule(ctx: Context, name: string): Promise<ExitCode> {
  const { deleteAlertRule: deleted } = await ctx.client().request(DeleteAlertRuleDocument, { name });
  if (ctx.json) ctx.printJson({ name, deleted });
  else ctx.out(`deleted rule ${name} (its unresolved alerts are closed)`);
  return EXIT.OK;
}

// ── Maintenance windows ────────────────────────────────────────────────────────────────────────

const when = (w: MaintenanceWindowFieldsFragment) =>
  w.cronExpression ? `"${w.cronExpression}" for ${w.durationMinutes} min (${w.timeZone})` : `${time(w.startsAt)} to ${time(w.endsAt)} UTC`;

export async function listWindows(ctx: Context): Promise<ExitCode> {
  const { maintenanceWindows } = await ctx.client().request(MaintenanceWindowsDocument);
  if (ctx.json) ctx.printJson(maintenanceWindows);
  else if (maintenanceWindows.length === 0) ctx.out('no maintenance windows');
  else {
    const c = ctx.color;
    ctx.out(
      table(
        c,
        ['NAME', 'WHEN', 'COVERS', 'ACTIVE', 'NEXT START (UTC)'],
        maintenanceWindows.map((w) => [w.name, when(w), w.workerFilters.join(',') || 'the whole fleet', w.active ? c.yellow('yes') : 'no', time(w.nextStartsAt)]),
      ),
    );
  }
  return EXIT.OK;
}

export interface CreateWindowOptions {
  starts?: string;
  ends?: string;
  cron?: string;
  duration?: number;
  timeZone?: string;
  workers?: string[];
}

function instant(flag: string, value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new CliError(EXIT.USAGE, `${flag}: "${value}" is not a date and time (e.g. 2026-12-24T22:00:00Z)`);
  return date.toISOString();
}

export async function createWindow(ctx: Context, name: string, options: CreateWindowOptions): Promise<ExitCode> {
  const oneOff = options.starts !== undefined || options.ends !== undefined;
  const recurring = options.cron !== undefined || options.duration !== undefined;
  if (oneOff === recurring) throw new CliError(EXIT.USAGE, 'give --starts and --ends (one-off) or --cron and --duration (recurring)');
  const { createMaintenanceWindow: window } = await ctx.client().request(CreateMaintenanceWindowDocument, {
    input: {
      name,
      ...(options.starts === undefined ? {} : { startsAt: instant('--starts', options.starts) }),
      ...(options.ends === undefined ? {} : { endsAt: instant('--ends', options.ends) }),
      ...(options.cron === undefined ? {} : { cronExpression: options.cron }),
      ...(options.duration === undefined ? {} : { durationMinutes: options.duration }),
      ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
      ...(options.workers === undefined ? {} : { workerFilters: options.workers }),
    },
  });
  if (ctx.json) ctx.printJson(window);
  else ctx.out(`created maintenance window ${window.name}: ${when(window)}, ${window.workerFilters.join(',') || 'the whole fleet'}${window.active ? ' (on now)' : ''}`);
  return EXIT.OK;
}

export async function deleteWindow(ctx: Context, name: string): Promise<ExitCode> {
  const { deleteMaintenanceWindow: deleted } = await ctx.client().request(DeleteMaintenanceWindowDocument, { name });
  if (ctx.json) ctx.printJson({ name, deleted });
  else ctx.out(`deleted maintenance window ${name}`);
  return EXIT.OK;
}

// ── The command ────────────────────────────────────────────────────────────────────────────────

type Action = <A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<ExitCode>) => (...args: unknown[]) => Promise<void>;
interface Parsers {
  integer(min: number, max: number): (value: string) => number;
  decimal(min: number, max: number, options?: { exclusiveMin?: boolean }): (value: string) => number;
  list(value: string, previous: string[] | undefined): string[];
}

/** `worker-health alerts …`: alerts, and (admin) their channels, rules and maintenance windows. */
export function registerAlertCommands(program: Command, action: Action, { integer, decimal, list }: Parsers): void {
  const alerts = program.command('alerts').description('alerts (list, show, ack) and their channels, rules and maintenance windows');
  alerts
    .command('list')
    .description('alerts, newest first')
    .addOption(new Option('--status <status>', 'only alerts in this state').choices(['open', 'acknowledged', 'resolved']))
    .option('--limit <n>', 'how many, 1-100', integer(1, 100), 20)
    .option('--after <cursor>', 'the page after this cursor (printed under the table)')
    .action(action((ctx, options: ListAlertsOptions) => listAlerts(ctx, options)));
  alerts.command('show').description('one alert: its transitions, deliveries and their attempts').argument('<id>').action(action((ctx, id: string) => showAlert(ctx, id)));
  alerts
    .command('ack')
    .description('acknowledge an open alert (operator): someone is on it, reminders stop')
    .argument('<id>')
    .action(action((ctx, id: string) => acknowledge(ctx, id)));

  const channels = alerts.command('channels').description('where notifications go (admin to change)');
  channels.command('list').description('every channel').action(action((ctx) => listChannels(ctx)));
  channels
    .command('create')
    .description("add a channel; a webhook channel's signing secret is printed once, alone on stdout")
    .argument('<name>')
    .addOption(new Option('--kind <kind>', 'what receives it').choices(['webhook', 'slack', 'discord', 'pagerduty']).makeOptionMandatory())
    .option('--channel-url <url>', 'the receiver (https; http only for localhost in local development); PagerDuty defaults to its Events API v2')
    .option('--routing-key <key>', 'pagerduty: the integration key')
    .option('--disabled', 'create it disabled')
    .action(action((ctx, name: string, options: CreateChannelOptions) => createChannel(ctx, name, options)));
  channels
    .command('update')
    .description('change a channel: only the options given change')
    .argument('<name>')
    .option('--channel-url <url>', 'send to this receiver instead')
    .option('--routing-key <key>', 'pagerduty: a new integration key')
    .option('--enable', 'send to it again')
    .option('--disable', 'skip it')
    .option('--rotate-secret', 'webhook: a new signing secret, printed once')
    .action(action((ctx, name: string, options: UpdateChannelOptions) => updateChannel(ctx, name, options)));
  channels.command('delete').description('delete a channel no rule names').argument('<name>').action(action((ctx, name: string) => deleteChannel(ctx, name)));
  channels
    .command('test')
    .description("send a test notification now and print the receiver's answer (exit 69 unless it answered 2xx)")
    .argument('<name>')
    .action(action((ctx, name: string) => testChannel(ctx, name)));

  const ruleOptions = (command: Command) =>
    command
      .option('--workers <names>', 'worker names or types to watch, comma-separated (default: every worker)', list)
      .option('--fleet', "watch the fleet's overall score instead of workers")
      .addOption(new Option('--open-at <status>', 'bad at this status or worse (default degraded)').choices(['degraded', 'unhealthy', 'critical']))
      .option('--score-below <score>', 'bad below this score instead, 0-1', decimal(0, 1, { exclusiveMin: true }))
      .option('--failure-threshold <n>', 'consecutive bad checks that open an alert (default 2)', integer(1, 100))
      .option('--success-threshold <n>', 'consecutive good checks that resolve it (default 2)', integer(1, 100))
      .option('--reminder <minutes>', 'remind while open and unacknowledged, every this many minutes', integer(1, 10080))
      .option('--flap-window <n>', 'checks looked at for flapping (default 10)', integer(3, 50))
      .option('--flap-threshold <n>', 'more changes than this in the window is flapping; 0 turns it off (default 4)', integer(0, 50));
  const rules = alerts.command('rules').description('when to alert, and whom (admin to change)');
  rules.command('list').description('every rule').action(action((ctx) => listRules(ctx)));
  ruleOptions(rules.command('create').description('add a rule').argument('<name>'))
    .requiredOption('--channels <names>', 'the channels to notify, comma-separated', list)
    .option('--disabled', 'create it disabled')
    .action(action((ctx, name: string, options: RuleOptions) => createRule(ctx, name, options)));
  ruleOptions(rules.command('update').description('change a rule: only the options given change').argument('<name>'))
    .option('--channels <names>', 'the channels to notify, comma-separated', list)
    .option('--all-workers', 'watch every worker (clears --workers)')
    .option('--no-reminder', 'no more reminders')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .action(
      action((ctx, name: string, { reminder, ...options }: Omit<RuleOptions, 'reminder' | 'noReminder'> & { reminder?: number | false }) =>
        updateRule(ctx, name, { ...options, ...(reminder === false ? { noReminder: true } : reminder === undefined ? {} : { reminder }) }),
      ),
    );
  rules.command('delete').description('delete a rule (its unresolved alerts are closed)').argument('<name>').action(action((ctx, name: string) => deleteRule(ctx, name)));

  const windows = alerts.command('windows').description('maintenance windows: alerts held while they are on (admin to change)');
  windows.command('list').description('every window').action(action((ctx) => listWindows(ctx)));
  windows
    .command('create')
    .description('add a window: one-off (--starts, --ends) or recurring (--cron, --duration)')
    .argument('<name>')
    .option('--starts <time>', 'one-off: the start, e.g. 2026-12-24T22:00:00Z')
    .option('--ends <time>', 'one-off: the end')
    .option('--cron <expression>', 'recurring: when each occurrence starts, e.g. "0 2 * * 0"')
    .option('--duration <minutes>', 'recurring: how long each lasts', integer(1, 10080))
    .option('--time-zone <zone>', 'recurring: the IANA zone the expression is read in (default UTC)')
    .option('--workers <names>', 'worker names or types it covers (default: the whole fleet)', list)
    .action(action((ctx, name: string, options: CreateWindowOptions) => createWindow(ctx, name, options)));
  windows.command('delete').description('delete a window').argument('<name>').action(action((ctx, name: string) => deleteWindow(ctx, name)));
}
