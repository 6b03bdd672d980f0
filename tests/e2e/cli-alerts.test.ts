/**
 * The `worker-health alerts …` commands and `workers register/update --depends-on`, the built CLI
 * against `wrangler dev`, as a pipeline or an operator would run them: output, --json, exit codes.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startAlertReceiver } from '../workers/alert-receiver';
import { cliRunner, closedPort, json } from './helpers/cli';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');
const cli = cliRunner({ url: baseUrl, apiKey: adminKey });

let receiver: Awaited<ReturnType<typeof startAlertReceiver>>;

beforeAll(async () => {
  receiver = await startAlertReceiver();
});

afterAll(async () => {
  await cli(['alerts', 'rules', 'delete', 'cli-ghosts']);
  await cli(['alerts', 'channels', 'delete', 'cli-hook']);
  await cli(['alerts', 'windows', 'delete', 'cli-sundays']);
  for (const name of ['cli-ghost-api', 'cli-ghost-db']) await cli(['workers', 'remove', name]);
  await receiver?.close();
});

describe('worker-health alerts', { timeout: 120_000 }, () => {
  it('manages channels, rules and windows, lists and acknowledges alerts', async () => {
    // A webhook channel: its signing secret alone on stdout, once.
    const created = await cli(['alerts', 'channels', 'create', 'cli-hook', '--kind', 'webhook', '--channel-url', `${receiver.url}/webhook/cli`]);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(created.stderr).toMatch(/it is not shown again/);
    await fetch(`${receiver.url}/secrets/cli`, { method: 'PUT', body: secret });
    const tested = await cli(['alerts', 'channels', 'test', 'cli-hook']);
    expect(tested).toMatchObject({ code: 0, stdout: expect.stringMatching(/^cli-hook: the receiver answered 204 in \d+ ms\n$/) });
    expect(receiver.received.get('cli')![0]!.problems).toEqual([]);
    const channels = json(await cli(['--json', 'alerts', 'channels', 'list']));
    expect(channels).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'cli-hook', kind: 'WEBHOOK', enabled: true })]));
    expect(JSON.stringify(channels)).not.toContain(secret);

    // Workers that depend on one another.
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    expect((await cli(['workers', 'register', 'cli-ghost-db', '--type', 'cli-ghost', '--worker-url', `${nowhere}/db`])).code).toBe(0);
    const api = await cli(['workers', 'register', 'cli-ghost-api', '--type', 'cli-ghost', '--worker-url', `${nowhere}/api`, '--depends-on', 'cli-ghost-db']);
    expect(api.stdout).toMatch(/^registered cli-ghost-api \(cli-ghost, url .*, depends on cli-ghost-db\)/);
    const cycle = await cli(['workers', 'update', 'cli-ghost-db', '--depends-on', 'cli-ghost-api']);
    expect(cycle).toMatchObject({ code: 64, stderr: expect.stringContaining('dependsOn would make a dependency cycle: cli-ghost-db → cli-ghost-api → cli-ghost-db') });
    const listed = json<{ name: string; dependsOn: string[] }[]>(await cli(['--json', 'workers', 'list']));
    expect(listed.find((w) => w.name === 'cli-ghost-api')!.dependsOn).toEqual(['cli-ghost-db']);

    // A rule, and its refusals.
    const rule = await cli(['alerts', 'rules', 'create', 'cli-ghosts', '--channels', 'cli-hook', '--workers', 'cli-ghost', '--open-at', 'critical', '--failure-threshold', '1']);
    expect(rule).toMatchObject({ code: 0, stdout: 'created rule cli-ghosts: cli-ghost CRITICAL+ for 1 checks, resolved after 2, to cli-hook\n' });
    expect((await cli(['alerts', 'rules', 'create', 'nope', '--channels', 'no-such-channel'])).code).toBe(64);
    expect((await cli(['alerts', 'rules', 'create', 'nope', '--channels', 'cli-hook', '--open-at', 'critical', '--score-below', '0.5'])).code).toBe(64);
    expect((await cli(['alerts', 'rules', 'create', 'cli-ghosts', '--channels', 'cli-hook'])).code).toBe(65);
    const rules = json<{ name: string; openAt: string; failureThreshold: number }[]>(await cli(['--json', 'alerts', 'rules', 'list']));
    expect(rules.find((r) => r.name === 'cli-ghosts')).toMatchObject({ openAt: 'CRITICAL', failureThreshold: 1 });

    // A run in which both fail: one alert, for the dependency.
    const checked = await cli(['check', '--watch', '--workers', 'cli-ghost']);
    expect(checked.code).toBe(3);
    const deadline = Date.now() + 30_000;
    let open: any[] = [];
    while (Date.now() < deadline) {
      open = json<any>(await cli(['--json', 'alerts', 'list', '--status', 'open'])).edges.map((edge: any) => edge.node).filter((a: any) => a.rule === 'cli-ghosts');
      if (open.length) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(open.map((a) => [a.workerName, a.affectedWorkers])).toEqual([['cli-ghost-db', ['cli-ghost-api']]]);
    const table = await cli(['alerts', 'list', '--status', 'open']);
    expect(table.stdout).toMatch(/^ID +STATUS +RULE +SUBJECT +HEALTH +SCORE +OPENED \(UTC\) +RESOLVED \(UTC\) +AFFECTED$/m);
    expect(table.stdout).toMatch(new RegExp(`^${open[0].id} +OPEN +cli-ghosts +cli-ghost-db +CRITICAL +0\\.0000 .* cli-ghost-api$`, 'm'));
    const shown = await cli(['alerts', 'show', open[0].id]);
    expect(shown.stdout).toMatch(/^alert \d+ +OPEN +rule cli-ghosts +cli-ghost-db +CRITICAL/);
    expect(shown.stdout).toMatch(/affected dependants: cli-ghost-api/);
    expect(shown.stdout).toMatch(/^OPENED /m);

    // Acknowledged once (an operator may; a viewer may not), CONFLICT the second time.
    const viewerKey = (await cli(['keys', 'create', `cli-alerts-viewer-${Date.now()}`, '--role', 'viewer'])).stdout.trim();
    expect((await cli(['alerts', 'ack', open[0].id], { env: { WORKER_HEALTH_API_KEY: viewerKey } })).code).toBe(77);
    expect(await cli(['alerts', 'ack', open[0].id])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^acknowledged alert \d+ \(cli-ghosts, cli-ghost-db\)/) });
    expect((await cli(['alerts', 'ack', open[0].id])).code).toBe(65);
    expect((await cli(['alerts', 'ack', 'not-an-id'])).code).toBe(64);
    expect((await cli(['alerts', 'show', '999999'])).code).toBe(65);

    // Windows.
    const window = await cli(['alerts', 'windows', 'create', 'cli-sundays', '--cron', '0 2 * * 0', '--duration', '120', '--time-zone', 'Europe/Berlin', '--workers', 'cli-ghost']);
    expect(window).toMatchObject({ code: 0, stdout: 'created maintenance window cli-sundays: "0 2 * * 0" for 120 min (Europe/Berlin), cli-ghost\n' });
    expect((await cli(['alerts', 'windows', 'create', 'x', '--cron', '0 2 * * 0'])).code).toBe(64);
    expect((await cli(['alerts', 'windows', 'create', 'x', '--starts', 'yesterday', '--ends', 'today'])).code).toBe(64);
    expect((await cli(['alerts', 'windows', 'list'])).stdout).toMatch(/cli-sundays +"0 2 \* \* 0" for 120 min \(Europe\/Berlin\) +cli-ghost +(no|yes) /);

    // Changing and deleting: a channel in use cannot go.
    expect((await cli(['alerts', 'rules', 'update', 'cli-ghosts', '--disable'])).stdout).toMatch(/\(disabled\)\n$/);
    expect((await cli(['alerts', 'rules', 'update', 'cli-ghosts'])).code).toBe(64);
    expect((await cli(['alerts', 'channels', 'delete', 'cli-hook'])).code).toBe(65);
    const rotated = await cli(['alerts', 'channels', 'update', 'cli-hook', '--rotate-secret']);
    expect(rotated.stdout.trim()).toMatch(/^whsec_/);
    expect(rotated.stdout.trim()).not.toBe(secret);
    expect((await cli(['alerts', 'rules', 'delete', 'cli-ghosts'])).stdout).toBe('deleted rule cli-ghosts (its unresolved alerts are closed)\n');
    expect((await cli(['alerts', 'channels', 'delete', 'cli-hook'])).code).toBe(0);
    expect((await cli(['alerts', 'windows', 'delete', 'cli-sundays'])).code).toBe(0);
    expect((await cli(['workers', 'update', 'cli-ghost-api', '--no-depends-on'])).stdout).toMatch(/^updated cli-ghost-api \(cli-ghost, url [^,]+, enabled\)\n$/);
  });
});
