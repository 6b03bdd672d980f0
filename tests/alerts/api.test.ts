/** The alerting API: what it refuses (changing nothing), who may do what, secrets shown once. */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { channelUrlProblem } from '../../operations/alerts/validation';
import { countRows } from '../helpers/fixtures';
import { codes, gql, keyFor } from '../helpers/graphql';
import { registerWorkers, resetAlertTablesBeforeEach, silent, webhookChannel } from './helpers';

resetAlertTablesBeforeEach();

const CREATE_CHANNEL = 'mutation ($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { channel { name kind url enabled } signingSecret } }';
const CREATE_RULE = 'mutation ($input: CreateAlertRuleInput!) { createAlertRule(input: $input) { name workerFilters fleet openAt scoreBelow failureThreshold successThreshold reminderMinutes flapWindow flapThreshold channels enabled } }';
const CREATE_WINDOW = 'mutation ($input: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $input) { name startsAt endsAt cronExpression durationMinutes timeZone workerFilters } }';

describe('channels', () => {
  it("returns a webhook channel's signing secret once, and never again", async () => {
    const created = await gql(CREATE_CHANNEL, { input: { name: 'ops', kind: 'WEBHOOK', url: 'https://hooks.example.com/worker-health' } });
    expect(created.data!.createAlertChannel).toEqual({
      channel: { name: 'ops', kind: 'WEBHOOK', url: 'https://hooks.example.com/worker-health', enabled: true },
      signingSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    // No field shows it afterwards; rotating makes a new one, shown once.
    const listed = await gql('{ alertChannels { name kind url enabled } }');
    expect(JSON.stringify(listed.data)).not.toContain(created.data!.createAlertChannel.signingSecret);
    const rotated = await gql('mutation { updateAlertChannel(name: "ops", input: { rotateSigningSecret: true }) { signingSecret } }');
    expect(rotated.data!.updateAlertChannel.signingSecret).toMatch(/^whsec_/);
    expect(rotated.data!.updateAlertChannel.signingSecret).not.toBe(created.data!.createAlertChannel.signingSecret);
    const other = await gql('mutation { updateAlertChannel(name: "ops", input: { enabled: false }) { signingSecret channel { enabled } } }');
    expect(other.data!.updateAlertChannel).toEqual({ signingSecret: null, channel: { enabled: false } });
  });

  it('shows Slack and Discord URLs, their credentials, shortened; keeps a PagerDuty routing key to itself', async () => {
    await gql(CREATE_CHANNEL, { input: { name: 'slack', kind: 'SLACK', url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET' } });
    await gql(CREATE_CHANNEL, { input: { name: 'discord', kind: 'DISCORD', url: 'https://discord.com/api/webhooks/123/SECRETTOKEN' } });
    const pd = await gql(CREATE_CHANNEL, { input: { name: 'pd', kind: 'PAGERDUTY', routingKey: 'R0UT1NGKEY0123456789abcdefABCDEF' } });
    expect(pd.data!.createAlertChannel).toEqual({ channel: { name: 'pd', kind: 'PAGERDUTY', url: 'https://events.pagerduty.com/v2/enqueue', enabled: true }, signingSecret: null });
    const { alertChannels } = (await gql('{ alertChannels { name url } }')).data!;
    expect(alertChannels).toEqual([
      { name: 'discord', url: 'https://discord.com/api/…' },
      { name: 'pd', url: 'https://events.pagerduty.com/v2/enqueue' },
      { name: 'slack', url: 'https://hooks.slack.com/services/…' },
    ]);
    expect(JSON.stringify(alertChannels)).not.toMatch(/SECRET|R0UT1NGKEY/);
  });

  it.each([
    ['a plain-http remote URL', { name: 'a', kind: 'WEBHOOK', url: 'http://hooks.example.com/x' }, /https/],
    ['no URL', { name: 'a', kind: 'SLACK' }, /url is required/],
    ['a relative URL', { name: 'a', kind: 'WEBHOOK', url: '/hook' }, /absolute URL/],
    ['credentials in the URL', { name: 'a', kind: 'WEBHOOK', url: 'https://user:pw@hooks.example.com/' }, /user name or password/],
    ['a PagerDuty channel without a routing key', { name: 'a', kind: 'PAGERDUTY' }, /routingKey is required/],
    ['a routing key on a webhook', { name: 'a', kind: 'WEBHOOK', url: 'https://h.example.com', routingKey: 'R0UT1NGKEY0123456789abcdefABCDEF' }, /only for PAGERDUTY/],
    ['a bad name', { name: 'no spaces', kind: 'WEBHOOK', url: 'https://h.example.com' }, /name/],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_label, input, message) => {
    const response = await gql(CREATE_CHANNEL, { input });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(message);
    expect(await countRows('alert_channels')).toBe(0);
  });

  it('accepts http://localhost only in local development', () => {
    expect(channelUrlProblem('http://localhost:9999/hook', 'development')).toBeNull();
    expect(channelUrlProblem('http://127.0.0.1:9999/hook', 'development')).toBeNull();
    expect(channelUrlProblem('http://localhost:9999/hook', 'production')).toMatch(/only when ENVIRONMENT is "development"/);
    expect(channelUrlProblem('https://hooks.example.com/x', 'production')).toBeNull();
    expect(channelUrlProblem('ftp://hooks.example.com/x', 'development')).toMatch(/https/);
  });

  it('refuses a duplicate name, deleting a channel a rule uses, and unknown names', async () => {
    await webhookChannel('ops', 'api-ops');
    expect(codes(await gql(CREATE_CHANNEL, { input: { name: 'ops', kind: 'WEBHOOK', url: 'https://h.example.com' } }))).toEqual(['CONFLICT']);
    await gql(CREATE_RULE, { input: { name: 'all', channels: ['ops'] } });
    const refused = await gql('mutation { deleteAlertChannel(name: "ops") }');
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.message).toBe('Alert channel "ops" is used by the rule "all": take it out of their channels first.');
    expect(codes(await gql('mutation { deleteAlertChannel(name: "nope") }'))).toEqual(['NOT_FOUND']);
    expect(codes(await gql('mutation { testAlertChannel(name: "nope") { ok } }'))).toEqual(['NOT_FOUND']);
    await gql('mutation { deleteAlertRule(name: "all") }');
    expect((await gql('mutation { deleteAlertChannel(name: "ops") }')).data).toEqual({ deleteAlertChannel: true });
  });
});

describe('rules', () => {
  it('fills in the defaults', async () => {
    await webhookChannel('ops', 'api-defaults');
    const created = await gql(CREATE_RULE, { input: { name: 'all', channels: ['ops'] } });
    expect(created.data!.createAlertRule).toEqual({
      name: 'all',
      workerFilters: [],
      fleet: false,
      openAt: 'DEGRADED',
      scoreBelow: null,
      failureThreshold: 2,
      successThreshold: 2,
      reminderMinutes: null,
      flapWindow: 10,
      flapThreshold: 4,
      channels: ['ops'],
      enabled: true,
    });
    // Setting scoreBelow replaces openAt; reminderMinutes 0 clears reminders.
    const updated = await gql('mutation { updateAlertRule(name: "all", input: { scoreBelow: 0.95, reminderMinutes: 0 }) { openAt scoreBelow reminderMinutes } }');
    expect(updated.data!.updateAlertRule).toEqual({ openAt: null, scoreBelow: 0.95, reminderMinutes: null });
  });

  it.each([
    ['no channel', { name: 'r', channels: [] }, /at least one alert channel/],
    ['an unknown channel', { name: 'r', channels: ['ops', 'pager'] }, /channels "pager" is not an alert channel\. Alert channels: ops\./],
    ['filters matching no worker', { name: 'r', channels: ['ops'], workerFilters: ['ghost'] }, /workerFilters "ghost" matches no registered worker's name or type/],
    ['a fleet rule with filters', { name: 'r', channels: ['ops'], fleet: true, workerFilters: ['web'] }, /a fleet rule watches the run's overall score/],
    ['openAt HEALTHY', { name: 'r', channels: ['ops'], openAt: 'HEALTHY' }, /openAt must be DEGRADED, UNHEALTHY or CRITICAL/],
    ['openAt and scoreBelow', { name: 'r', channels: ['ops'], openAt: 'CRITICAL', scoreBelow: 0.5 }, /openAt or scoreBelow, not both/],
    ['a score out of range', { name: 'r', channels: ['ops'], scoreBelow: 1.5 }, /scoreBelow must be at most 1/],
    ['a zero threshold', { name: 'r', channels: ['ops'], failureThreshold: 0 }, /failureThreshold must be at least 1/],
    ['a flap threshold the window cannot reach', { name: 'r', channels: ['ops'], flapWindow: 5, flapThreshold: 4 }, /flapThreshold must be below flapWindow - 1/],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_label, input, message) => {
    await registerWorkers(silent('web'));
    await webhookChannel('ops', 'api-refusals');
    const response = await gql(CREATE_RULE, { input });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(message);
    expect(await countRows('alert_rules')).toBe(0);
  });

  it('closes the unresolved alerts of a deleted rule, without a notification', async () => {
    await webhookChannel('ops', 'api-delete');
    await gql(CREATE_RULE, { input: { name: 'all', channels: ['ops'] } });
    const { id } = (await env.DB.prepare('SELECT id FROM alert_rules').first<{ id: number }>())!;
    await env.DB.prepare("INSERT INTO alerts (rule_id, rule_name, subject, worker_name) VALUES (?, 'all', 'worker:web', 'web')").bind(id).run();
    expect((await gql('mutation { deleteAlertRule(name: "all") }')).data).toEqual({ deleteAlertRule: true });
    expect((await gql('{ alerts { edges { node { status } } } }')).data!.alerts.edges).toEqual([{ node: { status: 'RESOLVED' } }]);
    expect(await countRows('alert_deliveries')).toBe(0);
  });
});

describe('maintenance windows', () => {
  it('stores a recurring window in its canonical zone', async () => {
    const created = await gql(CREATE_WINDOW, { input: { name: 'sundays', cronExpression: '0 2 * * 0', durationMinutes: 120, timeZone: 'europe/berlin' } });
    expect(created.data!.createMaintenanceWindow).toEqual({ name: 'sundays', startsAt: null, endsAt: null, cronExpression: '0 2 * * 0', durationMinutes: 120, timeZone: 'Europe/Berlin', workerFilters: [] });
    // Giving the other kind's fields turns it into that kind.
    const oneOff = await gql('mutation { updateMaintenanceWindow(name: "sundays", input: { startsAt: "2026-12-24T20:00:00Z", endsAt: "2026-12-26T08:00:00Z" }) { startsAt endsAt cronExpression durationMinutes } }');
    expect(oneOff.data!.updateMaintenanceWindow).toEqual({ startsAt: '2026-12-24T20:00:00.000Z', endsAt: '2026-12-26T08:00:00.000Z', cronExpression: null, durationMinutes: null });
  });

  it.each([
    ['neither kind', { name: 'w' }, /give startsAt and endsAt/],
    ['both kinds', { name: 'w', startsAt: '2026-12-24T20:00:00Z', endsAt: '2026-12-25T20:00:00Z', cronExpression: '0 2 * * *', durationMinutes: 5 }, /not both/],
    ['an end before the start', { name: 'w', startsAt: '2026-12-24T20:00:00Z', endsAt: '2026-12-24T19:00:00Z' }, /endsAt must be after startsAt/],
    ['a start without an end', { name: 'w', startsAt: '2026-12-24T20:00:00Z' }, /needs both startsAt and endsAt/],
    ['a bad expression', { name: 'w', cronExpression: '0 2 * *', durationMinutes: 5 }, /cronExpression must have 5 fields/],
    ['an unknown zone', { name: 'w', cronExpression: '0 2 * * *', durationMinutes: 5, timeZone: 'Mars/Olympus' }, /not an IANA time zone/],
    ['a duration over a week', { name: 'w', cronExpression: '0 2 * * *', durationMinutes: 20000 }, /durationMinutes must be at most 10080/],
    ['filters matching no worker', { name: 'w', cronExpression: '0 2 * * *', durationMinutes: 5, workerFilters: ['ghost'] }, /matches no registered worker/],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_label, input, message) => {
    const response = await gql(CREATE_WINDOW, { input });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toMatch(message);
    expect(await countRows('maintenance_windows')).toBe(0);
  });
});

describe('alerts', () => {
  it('pages newest first, filters by status, and refuses bad page arguments and ids', async () => {
    for (let i = 0; i < 3; i++) {
      await env.DB.prepare("INSERT INTO alerts (rule_id, rule_name, subject, worker_name, status) VALUES (1, 'r', ?, ?, ?)")
        .bind(`worker:w${i}`, `w${i}`, i === 1 ? 'resolved' : 'open')
        .run();
    }
    const page = await gql('{ alerts(first: 2) { totalCount edges { node { workerName status } } pageInfo { hasNextPage endCursor } } }');
    expect(page.data!.alerts).toMatchObject({ totalCount: 3, edges: [{ node: { workerName: 'w2' } }, { node: { workerName: 'w1' } }], pageInfo: { hasNextPage: true } });
    const next = await gql('query ($after: String) { alerts(first: 2, after: $after) { edges { node { workerName } } } }', { after: page.data!.alerts.pageInfo.endCursor });
    expect(next.data!.alerts.edges).toEqual([{ node: { workerName: 'w0' } }]);
    expect((await gql('{ alerts(status: OPEN) { totalCount } }')).data!.alerts.totalCount).toBe(2);
    expect(codes(await gql('{ alerts(first: 0) { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql('{ alerts(first: 101) { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql('{ alerts(after: "%%%") { totalCount } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql('mutation { acknowledgeAlert(id: "abc") { id } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql('mutation { acknowledgeAlert(id: "999") { id } }'))).toEqual(['NOT_FOUND']);
    const { id } = (await env.DB.prepare("SELECT id FROM alerts WHERE status = 'resolved'").first<{ id: number }>())!;
    expect(codes(await gql(`mutation { acknowledgeAlert(id: "${id}") { id } }`))).toEqual(['CONFLICT']);
    expect((await gql('{ alert(id: "999") { id } }')).data).toEqual({ alert: null });
  });

  it('lets viewers read, operators acknowledge, and only admins change channels, rules and windows', async () => {
    const viewer = await keyFor('viewer');
    const operator = await keyFor('operator');
    await env.DB.prepare("INSERT INTO alerts (rule_id, rule_name, subject, worker_name) VALUES (1, 'r', 'worker:w', 'w')").run();
    const { id } = (await env.DB.prepare('SELECT id FROM alerts').first<{ id: number }>())!;
    for (const query of ['{ alerts { totalCount } }', '{ alertChannels { name } }', '{ alertRules { name } }', '{ maintenanceWindows { name } }']) {
      expect((await gql(query, {}, { key: viewer })).errors, query).toBeUndefined();
    }
    expect(codes(await gql(`mutation { acknowledgeAlert(id: "${id}") { id } }`, {}, { key: viewer }))).toEqual(['FORBIDDEN']);
    for (const mutation of [
      'mutation { createAlertChannel(input: { name: "x", kind: WEBHOOK, url: "https://h.example.com" }) { signingSecret } }',
      'mutation { createAlertRule(input: { name: "x", channels: ["x"] }) { name } }',
      'mutation { createMaintenanceWindow(input: { name: "x", cronExpression: "0 2 * * *", durationMinutes: 5 }) { name } }',
      'mutation { testAlertChannel(name: "x") { ok } }',
      'mutation { deleteAlertRule(name: "x") }',
    ]) {
      expect(codes(await gql(mutation, {}, { key: operator })), mutation).toEqual(['FORBIDDEN']);
    }
    expect((await gql(`mutation { acknowledgeAlert(id: "${id}") { status } }`, {}, { key: operator })).data).toEqual({ acknowledgeAlert: { status: 'ACKNOWLEDGED' } });
    expect(codes(await gql('{ alerts { totalCount } }', {}, { key: null }))).toEqual(['UNAUTHENTICATED']);
  });
});
