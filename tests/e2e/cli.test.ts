/**
 * The `worker-health` CLI as a pipeline runs it: the built bin (client/dist/src/cli.js) as a
 * child process against the e2e stack (wrangler dev with the demo fleet), no terminal. Every
 * command, its --json parsed, and each exit code for its cause.
 *
 * Other e2e files share the stack and count its workers, so the registry tests only ever add
 * *disabled* workers (never in a run) and remove them again.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exitCodeForRun } from '../../client/src/cli/exit-codes';
import { CLI_PATH, NODE, ROOT } from './helpers/build-client';
import { cliRunner, closedPort, json, UUID, type CliResult } from './helpers/cli';

const baseUrl = inject('baseUrl');
const adminKey = inject('adminKey');
const cli = cliRunner({ url: baseUrl, apiKey: adminKey });

const BAND_EXIT: Record<string, number> = { HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2, CRITICAL: 3 };
const FLEET = ['agent-factory', 'data-factory', 'ui-factory'];

const scratch = mkdtempSync(path.join(tmpdir(), 'worker-health-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A failure is told in exactly one line on stderr, prefixed. */
function oneLine(result: CliResult): string {
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^worker-health: /);
  return lines[0]!;
}

function expectExit(result: CliResult, code: number): void {
  expect(result.code, `exit ${result.code}, wanted ${code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`).toBe(code);
}

describe('help and usage', () => {
  const commands = [
    [], ['check'], ['watch'], ['status'], ['cancel'], ['history'],
    ['workers'], ['workers', 'list'], ['workers', 'register'], ['workers', 'update'], ['workers', 'remove'], ['workers', 'secret'],
    ['schedules'], ['schedules', 'list'], ['schedules', 'create'], ['schedules', 'update'], ['schedules', 'enable'], ['schedules', 'disable'], ['schedules', 'delete'],
    ['keys'], ['keys', 'list'], ['keys', 'create'], ['keys', 'revoke'],
  ];

  it('answers --help on every command, exit 0', async () => {
    const results = await Promise.all(commands.map((command) => cli([...command, '--help'])));
    results.forEach((result, i) => {
      expectExit(result, 0);
      expect(result.stdout).toContain(`Usage: worker-health${commands[i]!.length ? ` ${commands[i]!.join(' ')}` : ''}`);
      expect(result.stdout).toContain('--json');
    });
    // The top-level help carries the exit codes and the environment.
    expect(results[0]!.stdout).toMatch(/77 {2}auth/);
    expect(results[0]!.stdout).toContain('WORKER_HEALTH_API_KEY');
  });

  it('exits 64 with one line for a bad flag, a bad value, a missing argument or a flag without --watch', async () => {
    const cases: [string[], RegExp][] = [
      [['check', '--bogus'], /unknown option '--bogus'/],
      [['check', '--timeout', '0'], /--timeout.*whole number from 1 to 1440/],
      [['check', '--watch', '--min-score', '2'], /--min-score.*from 0 to 1/],
      [['check', '--min-score', '0.5'], /--min-score needs --watch/],
      [['history', '--limit', '500'], /--limit/],
      [['history', '--trigger', 'weekly'], /--trigger.*cron, on-demand/],
      [['status'], /missing required argument 'uuid'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['workers', 'secret', 'agent-factory'], /--dev-vars <path>, --wrangler-put, or --print/],
      [['workers', 'register', 'x-cli', '--type', 'x'], /--worker-url .* or --binding/],
      [['--url', 'ftp://example.com', 'workers', 'list'], /--url: Not an http\(s\) URL/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((result, i) => {
      expectExit(result, 64);
      expect(oneLine(result)).toMatch(cases[i]![1]);
    });
  });
});

describe('who and where', () => {
  it('exits 77 with one line for a wrong key, over HTTP and over the subscription socket', async () => {
    const [list, watched] = await Promise.all([
      cli(['workers', 'list'], { env: { WORKER_HEALTH_API_KEY: 'wh_not_a_key' } }),
      cli(['check', '--watch'], { env: { WORKER_HEALTH_API_KEY: 'wh_not_a_key' } }),
    ]);
    for (const result of [list, watched]) {
      expectExit(result, 77);
      expect(oneLine(result)).toMatch(/refused the API key.*WORKER_HEALTH_API_KEY/);
    }
  });

  it('exits 77 without any key (and names the variable)', async () => {
    const result = await cli(['workers', 'list'], { env: { WORKER_HEALTH_API_KEY: undefined } });
    expectExit(result, 77);
    expect(oneLine(result)).toMatch(/no API key: set WORKER_HEALTH_API_KEY/);
  });

  it('reads ADMIN_API_KEY from ./.dev.vars for a localhost URL when no key is given', async () => {
    const dir = mkdtempSync(path.join(scratch, 'dev-vars-'));
    writeFileSync(path.join(dir, '.dev.vars'), `OTHER=1\nADMIN_API_KEY=${adminKey}\n`);
    const result = await cli(['workers', 'list', '--json'], { cwd: dir, env: { WORKER_HEALTH_API_KEY: undefined } });
    expectExit(result, 0);
    expect(json<{ name: string }[]>(result).map((w) => w.name)).toEqual(expect.arrayContaining(FLEET));
  });

  it('exits 69 with one line when nothing listens at --url', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const [list, watched] = await Promise.all([cli(['--url', url, 'workers', 'list']), cli(['check', '--watch', '--url', url])]);
    for (const result of [list, watched]) {
      expectExit(result, 69);
      expect(oneLine(result)).toMatch(/Could not reach http:\/\/127\.0\.0\.1:\d+\/graphql \(ECONNREFUSED\): is the orchestrator running there\?/);
    }
  });

  it('exits 69 when what answers at --url is not a GraphQL server (a proxy\'s error page)', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html><body>Bad gateway</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await cli(['--url', `http://127.0.0.1:${port}`, 'workers', 'list']);
      expectExit(result, 69);
      expect(oneLine(result)).toMatch(/answered HTTP 502 with something that is not a GraphQL response: <html><body>Bad gateway/);
    } finally {
      server.close();
    }
  });

  it('exits 77 when the key is valid but its role is too low (FORBIDDEN), and after it is revoked', async () => {
    const name = `cli-viewer-${Date.now()}`;
    const created = await cli(['keys', 'create', name, '--role', 'viewer']);
    expectExit(created, 0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^wh_\S+$/); // the key alone on stdout, for key=$(worker-health keys create …)
    expect(created.stderr).toMatch(/not shown again/);

    const forbidden = await cli(['check'], { env: { WORKER_HEALTH_API_KEY: key } });
    expectExit(forbidden, 77);
    expect(oneLine(forbidden)).toMatch(/FORBIDDEN/);
    expectExit(await cli(['history', '--limit', '1', '--json'], { env: { WORKER_HEALTH_API_KEY: key } }), 0);

    const listed = json<{ name: string; role: string; revokedAt: string | null }[]>(await cli(['keys', 'list', '--json']));
    expect(listed.find((k) => k.name === name)).toMatchObject({ role: 'VIEWER', revokedAt: null });

    const revoked = json<{ name: string; revokedAt: string | null }>(await cli(['keys', 'revoke', name, '--json']));
    expect(revoked.revokedAt).not.toBeNull();
    const refused = await cli(['history'], { env: { WORKER_HEALTH_API_KEY: key } });
    expectExit(refused, 77);
    expectExit(await cli(['keys', 'revoke', name]), 65); // CONFLICT: already revoked
  });
});

describe('check', () => {
  it('without --watch prints the run uuid alone and exits 0; status reads it back', async () => {
    const started = await cli(['check', '--workers', 'agent-factory', '--source', 'cli-e2e']);
    expectExit(started, 0);
    const uuid = started.stdout.trim();
    expect(uuid).toMatch(new RegExp(`^${UUID.source}$`));

    const run = json(await cli(['status', uuid, '--json']));
    expect(run).toMatchObject({ uuid, triggerType: 'ON_DEMAND', triggerSource: 'cli-e2e', totalWorkers: 1 });
    expect(run.workerResults.map((w: { workerName: string }) => w.workerName)).toEqual(['agent-factory']);

    // A worker check's uuid works too.
    const workerCheck = json(await cli(['status', run.workerResults[0].uuid, '--json']));
    expect(workerCheck).toMatchObject({ uuid: run.workerResults[0].uuid, healthCheckUuid: uuid, workerName: 'agent-factory' });
  });

  it('--watch shows every worker of a run that takes well under a second, and exits with its band', async () => {
    const t0 = Date.now();
    const watched = await cli(['check', '--watch']);
    const elapsed = Date.now() - t0;
    const uuid = /started run (\S+): 3 workers/.exec(watched.stdout)?.[1];
    expect(uuid, watched.stdout + watched.stderr).toMatch(UUID);

    // Each worker's line as it landed ([n/3] …), then the table with all of them, then the verdict.
    const lines = watched.stdout.split('\n');
    const landed = lines.filter((line) => /^\[\d\/3\] /.test(line));
    expect(landed.map((line) => line.split(/\s+/)[1]).sort()).toEqual(FLEET);
    expect(landed.map((line) => line.slice(0, 5))).toEqual(['[1/3]', '[2/3]', '[3/3]']);
    const header = lines.findIndex((line) => line.startsWith('WORKER '));
    expect(header).toBeGreaterThan(lines.indexOf(landed[2]!));
    expect(lines.slice(header + 1, header + 4).map((line) => line.split(/\s+/)[0])).toEqual(FLEET);
    expect(watched.stdout).toMatch(new RegExp(`run ${uuid} {2}COMPLETED {2}score \\d\\.\\d{4} {2}(HEALTHY|DEGRADED|UNHEALTHY|CRITICAL)`));

    const run = json(await cli(['status', uuid!, '--json']));
    expect(run.status).toBe('COMPLETED');
    expectExit(watched, BAND_EXIT[run.healthStatus]!);
    // Done when the run is: COMPLETED arrives live, not at a poll seconds later.
    expect(elapsed).toBeLessThan(15_000);
  });

  it('--watch still shows every worker when WebSockets cannot get through (a proxy that refuses upgrades): it polls', async () => {
    const proxy = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const upstream = await fetch(`${baseUrl}${request.url}`, {
        method: request.method,
        headers: { 'content-type': 'application/json', authorization: request.headers.authorization ?? '' },
        body: Buffer.concat(chunks),
      });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      response.end(await upstream.text());
    });
    proxy.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const watched = await cli(['check', '--watch', '--workers', 'agent-factory,data-factory', '--url', `http://127.0.0.1:${port}`]);
      expect(watched.stderr).toMatch(/live updates unavailable \(.*\); reading the run every second instead/);
      expect(watched.stdout.match(/^\[\d\/2\] (agent|data)-factory /gm), watched.stdout).toHaveLength(2);
      expect(watched.stdout).toMatch(/COMPLETED {2}score/);
      expect([0, 1, 2, 3]).toContain(watched.code);
    } finally {
      proxy.close();
    }
  });

  it('exits 1 for a degraded run (ui-factory alone), with the run as JSON', async () => {
    const result = await cli(['check', '--watch', '--workers', 'ui-factory', '--json']);
    const run = json(result);
    expect(run).toMatchObject({ status: 'COMPLETED', healthStatus: 'DEGRADED', totalWorkers: 1 });
    expect(run.workerResults).toHaveLength(1);
    expectExit(result, 1);
  });

  it('exits 3 when the score is below --min-score', async () => {
    const result = await cli(['check', '--watch', '--min-score', '0.99']);
    expectExit(result, 3);
    expect(result.stderr).toMatch(/score 0\.\d{4} is below --min-score 0\.99/);
    expect(result.stdout.match(/^\[\d\/3\] /gm)).toHaveLength(3);
  });

  it('passes --timeout and the --no-<suite> flags to the run', async () => {
    const started = json(await cli(['check', '--workers', 'agent-factory', '--timeout', '5', '--json']));
    expect(Date.parse(started.healthCheck.timeoutAt) - Date.parse(started.healthCheck.startedAt)).toBe(5 * 60_000);

    const run = json(await cli(['check', '--watch', '--workers', 'agent-factory', '--no-unit', '--no-performance', '--json']));
    expect(run.workerResults).toHaveLength(1);
    const [worker] = run.workerResults;
    expect(worker.unitTests.total).toBe(0);
    expect(worker.performanceTests.total).toBe(0);
    expect(worker.integrationTests.total).toBeGreaterThan(0);
  });

  it('exits 75 when --max-wait runs out before the run ends (the run goes on)', async () => {
    const result = await cli(['check', '--watch', '--workers', 'ui-factory', '--max-wait', '0.01', '--json']);
    expectExit(result, 75);
    expect(oneLine(result)).toMatch(/did not finish within 0\.\d\d s; it goes on on the server \(worker-health status \S+\)/);
    expect(json(result)).toMatchObject({ status: 'RUNNING', totalWorkers: 1 });
  });

  it('exits 64 when the server refuses the arguments (a filter matching no worker)', async () => {
    const result = await cli(['check', '--watch', '--workers', 'no-such-worker']);
    expectExit(result, 64);
    expect(oneLine(result)).toMatch(/no-such-worker.*BAD_USER_INPUT/);
  });

  it('`watch --start` (what `npm run watch -- --start` runs) is check --watch', async () => {
    const result = await cli(['watch', '--start', '--workers', 'agent-factory']);
    expect(result.stdout).toMatch(/^\[1\/1\] agent-factory {2}COMPLETED/m);
    expect(result.stdout).toMatch(/^agent-factory {2}COMPLETED/m);
    expect([0, 1, 2, 3]).toContain(result.code);
  });

  it('the verdict of runs that ended otherwise: TIMEOUT 75, CANCELLED 4, FAILED 3', () => {
    // No worker of the shared stack can be made to stay silent without joining other files'
    // runs, so these statuses are checked on the mapping itself.
    expect(exitCodeForRun({ status: 'TIMEOUT', healthStatus: 'UNHEALTHY', overallHealthScore: 0.6 })).toBe(75);
    expect(exitCodeForRun({ status: 'CANCELLED', healthStatus: null, overallHealthScore: 0 })).toBe(4);
    expect(exitCodeForRun({ status: 'FAILED', healthStatus: 'CRITICAL', overallHealthScore: 0 })).toBe(3);
    expect(exitCodeForRun({ status: 'COMPLETED', healthStatus: 'HEALTHY', overallHealthScore: 0.95 }, 0.96)).toBe(3);
    expect(exitCodeForRun({ status: 'COMPLETED', healthStatus: 'UNHEALTHY', overallHealthScore: 0.5 })).toBe(2);
  });
});

describe('watch, status, cancel, history', () => {
  it('watch prints every run\'s events (NDJSON with --json) until Ctrl-C, then exits 0', async () => {
    const child = spawn(NODE, [CLI_PATH, 'watch', '--json'], {
      env: { ...process.env, NO_COLOR: '1', WORKER_HEALTH_URL: baseUrl, WORKER_HEALTH_API_KEY: adminKey },
      cwd: scratch,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => stderr, { timeout: 20_000 }).toMatch(/watching every run/);
      const uuid = (await cli(['check', '--workers', 'agent-factory'])).stdout.trim();
      const events = () =>
        stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { type: string; healthCheck: { uuid: string } })
          .filter((event) => event.healthCheck.uuid === uuid)
          .map((event) => event.type);
      await expect.poll(events, { timeout: 30_000 }).toContain('COMPLETED');
      expect(events()).toEqual(expect.arrayContaining(['WORKER_RESULT', 'COMPLETED']));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('status of an unknown uuid exits 65', async () => {
    const result = await cli(['status', '00000000-0000-4000-8000-000000000000']);
    expectExit(result, 65);
    expect(oneLine(result)).toMatch(/NOT_FOUND/);
  });

  it('cancel ends a running run (exit 0) or says it already ended (65)', async () => {
    const uuid = (await cli(['check', '--workers', 'ui-factory'])).stdout.trim();
    const result = await cli(['cancel', uuid, '--json']);
    if (result.code === 0) expect(json(result)).toMatchObject({ uuid, status: 'CANCELLED' });
    else {
      expectExit(result, 65);
      expect(oneLine(result)).toMatch(/CONFLICT/);
    }
    // A finished run cannot be cancelled.
    await expect.poll(async () => json(await cli(['status', uuid, '--json'])).status, { timeout: 30_000 }).not.toBe('RUNNING');
    const again = await cli(['cancel', uuid]);
    expectExit(again, 65);
    expect(oneLine(again)).toMatch(/CONFLICT/);
  });

  it('history lists runs newest first, filtered by trigger, as a table or JSON', async () => {
    const uuid = (await cli(['check', '--workers', 'agent-factory'])).stdout.trim();
    const page = json(await cli(['history', '--limit', '100', '--json']));
    expect(page.totalCount).toBeGreaterThan(0);
    expect(page.edges.map((edge: { node: { uuid: string } }) => edge.node.uuid)).toContain(uuid);
    const started = page.edges.map((edge: { node: { startedAt: string } }) => edge.node.startedAt);
    expect([...started].sort().reverse()).toEqual(started);

    const onDemand = json(await cli(['history', '--trigger', 'on-demand', '--limit', '3', '--json']));
    expect(onDemand.edges.length).toBeGreaterThan(0);
    expect(onDemand.edges.length).toBeLessThanOrEqual(3);
    for (const edge of onDemand.edges) expect(edge.node.triggerType).toBe('ON_DEMAND');
    const cron = json(await cli(['history', '--trigger', 'cron', '--json']));
    for (const edge of cron.edges) expect(edge.node.triggerType).toBe('CRON');

    const text = await cli(['history', '--limit', '100']);
    expectExit(text, 0);
    expect(text.stdout.split('\n')[0]).toMatch(/^RUN +STARTED +TRIGGER +STATUS +SCORE +HEALTH +PASSED$/);
    expect(text.stdout).toContain(uuid);
  });
});

describe('workers', () => {
  const name = `cli-e2e-${Date.now().toString(36)}`;

  it('registers (disabled), lists, updates and removes a worker, with JSON for each', async () => {
    const registered = await cli(['workers', 'register', name, '--type', 'cli-test', '--worker-url', 'http://localhost:9/', '--disabled', '--json']);
    expectExit(registered, 0);
    expect(json(registered)).toMatchObject({ name, type: 'cli-test', enabled: false, binding: null });
    try {
      const listed = json<{ name: string; enabled: boolean }[]>(await cli(['workers', 'list', '--json']));
      expect(listed.find((w) => w.name === name)).toMatchObject({ enabled: false });
      expect((await cli(['workers', 'list'])).stdout).toMatch(new RegExp(`^${name} +cli-test +no +url http://localhost:9/?`, 'm'));

      const updated = json(await cli(['workers', 'update', name, '--type', 'cli-test-2', '--json']));
      expect(updated).toMatchObject({ name, type: 'cli-test-2', enabled: false });
      expectExit(await cli(['workers', 'update', name]), 64); // nothing to change

      const duplicate = await cli(['workers', 'register', name, '--type', 'x', '--worker-url', 'http://localhost:9/', '--disabled']);
      expectExit(duplicate, 65);
      expect(oneLine(duplicate)).toMatch(/CONFLICT/);
    } finally {
      const removed = await cli(['workers', 'remove', name, '--json']);
      expectExit(removed, 0);
      expect(json(removed)).toEqual({ name, removed: true });
    }
    expect(json<{ name: string }[]>(await cli(['workers', 'list', '--json'])).map((w) => w.name)).not.toContain(name);
  });

  it('secret --dev-vars sets HEALTH_CHECK_SECRET in the file, keeps its other lines, and never prints it', async () => {
    const secret = (await cli(['workers', 'secret', 'agent-factory', '--print'])).stdout.trim();
    expect(secret).toMatch(/^whsec_/);

    const file = path.join(mkdtempSync(path.join(scratch, 'secret-')), '.dev.vars');
    writeFileSync(file, '# mine\nORCHESTRATOR_URL=http://localhost:8787\nHEALTH_CHECK_SECRET=whsec_old\nOTHER="x=y"\n');
    const written = await cli(['workers', 'secret', 'agent-factory', '--dev-vars', file]);
    expectExit(written, 0);
    expect(written.stdout).toContain(`replaced HEALTH_CHECK_SECRET for agent-factory in ${file}`);
    expect(written.stdout + written.stderr).not.toContain(secret);
    expect(readFileSync(file, 'utf8')).toBe(`# mine\nORCHESTRATOR_URL=http://localhost:8787\nHEALTH_CHECK_SECRET=${secret}\nOTHER="x=y"\n`);

    const fresh = path.join(path.dirname(file), 'new.dev.vars');
    const created = json(await cli(['workers', 'secret', 'agent-factory', '--dev-vars', fresh, '--json']));
    expect(created).toEqual({ name: 'agent-factory', variable: 'HEALTH_CHECK_SECRET', devVars: fresh, replaced: false });
    expect(readFileSync(fresh, 'utf8')).toBe(`HEALTH_CHECK_SECRET=${secret}\n`);
  });

  it('secret --wrangler-put pipes it to `wrangler secret put HEALTH_CHECK_SECRET` on stdin, with the passthrough flags', async () => {
    const bin = mkdtempSync(path.join(scratch, 'bin-'));
    const record = path.join(bin, 'record');
    // A stand-in wrangler, first on PATH: records its arguments, working directory and stdin.
    writeFileSync(
      path.join(bin, 'wrangler'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${record}.argv"\npwd > "${record}.cwd"\ncat > "${record}.stdin"\necho "wrangler stand-in: done"\n`,
    );
    chmodSync(path.join(bin, 'wrangler'), 0o755);
    const workerDir = mkdtempSync(path.join(scratch, 'worker-'));
    const env = { PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}` };

    const result = await cli(['workers', 'secret', 'data-factory', '--wrangler-put', '--name', 'data-factory-prod', '--env', 'production', '--cwd', workerDir], { env });
    expectExit(result, 0);
    const secret = (await cli(['workers', 'secret', 'data-factory', '--print'])).stdout.trim();
    expect(readFileSync(`${record}.argv`, 'utf8').trim().split('\n')).toEqual(['secret', 'put', 'HEALTH_CHECK_SECRET', '--name', 'data-factory-prod', '--env', 'production']);
    expect(readFileSync(`${record}.stdin`, 'utf8')).toBe(secret);
    expect(readFileSync(`${record}.cwd`, 'utf8').trim()).toBe(workerDir);
    expect(result.stdout).not.toContain(secret);
    expect(result.stdout).toMatch(/set HEALTH_CHECK_SECRET for data-factory with `wrangler secret put HEALTH_CHECK_SECRET --name data-factory-prod --env production`/);
    expect(result.stderr).toContain('wrangler stand-in: done'); // wrangler's output, kept off stdout

    // Arguments after `--` go to wrangler as they are; without --wrangler-put they are a usage error.
    expectExit(await cli(['workers', 'secret', 'data-factory', '--wrangler-put', '--', '-c', 'fleet/data-factory/wrangler.toml', '--env', 'production'], { env }), 0);
    expect(readFileSync(`${record}.argv`, 'utf8').trim().split('\n')).toEqual(['secret', 'put', 'HEALTH_CHECK_SECRET', '-c', 'fleet/data-factory/wrangler.toml', '--env', 'production']);
    expectExit(await cli(['workers', 'secret', 'data-factory', '--dev-vars', path.join(workerDir, '.dev.vars'), '--', '-c', 'x']), 64);

    // A failing wrangler is a failure of the command.
    writeFileSync(path.join(bin, 'wrangler'), '#!/bin/sh\ncat > /dev/null\nexit 3\n');
    const failed = await cli(['workers', 'secret', 'data-factory', '--wrangler-put'], { env });
    expectExit(failed, 70);
    expect(failed.stderr).toMatch(/`wrangler secret put HEALTH_CHECK_SECRET` failed \(exit 3\)/);
  });

  it('secret of an unregistered worker says to register it first, exit 65', async () => {
    const result = await cli(['workers', 'secret', 'not-registered-yet', '--dev-vars', path.join(scratch, 'never.dev.vars')]);
    expectExit(result, 65);
    expect(oneLine(result)).toMatch(/"not-registered-yet" is not registered, so it has no secret yet: register it first/);
  });
});

describe('schedules', () => {
  it('creates (disabled), lists, updates, enables, disables and deletes a schedule', async () => {
    const name = `cli-e2e-${Date.now().toString(36)}`;
    // January 1st only: never due while the tests run, even enabled.
    const created = json(
      await cli(['schedules', 'create', name, '--cron', '0 0 1 1 *', '--time-zone', 'Europe/Berlin', '--timeout', '5', '--workers', 'agent-factory,ui', '--no-performance', '--disabled', '--json']),
    );
    expect(created).toMatchObject({ name, cronExpression: '0 0 1 1 *', timeZone: 'Europe/Berlin', enabled: false, lastRunAt: null, timeoutMinutes: 5, workerFilters: ['agent-factory', 'ui'], includePerformanceTests: false, includeUnitTests: true, nextRunAt: null });
    try {
      const listed = json<{ name: string }[]>(await cli(['schedules', 'list', '--json']));
      expect(listed.map((s) => s.name)).toContain(name);
      expect((await cli(['schedules', 'list'])).stdout).toMatch(new RegExp(`^${name} +0 0 1 1 \\* +Europe/Berlin +no +- +- +5 min +agent-factory,ui +unit,integration`, 'm'));

      const updated = json(await cli(['schedules', 'update', name, '--performance', '--no-unit', '--all-workers', '--timeout', '10', '--json']));
      expect(updated).toMatchObject({ includePerformanceTests: true, includeUnitTests: false, workerFilters: [], timeoutMinutes: 10, enabled: false });
      const enabled = json(await cli(['schedules', 'enable', name, '--json']));
      expect(enabled.enabled).toBe(true);
      expect(enabled.nextRunAt).toMatch(/-12-31T23:00:00/); // midnight on January 1st in Berlin
      expect(json(await cli(['schedules', 'disable', name, '--json'])).enabled).toBe(false);

      const bad = await cli(['schedules', 'update', name, '--cron', 'every day']);
      expectExit(bad, 64);
      expect(oneLine(bad)).toMatch(/BAD_USER_INPUT/);
    } finally {
      expect(json(await cli(['schedules', 'delete', name, '--json']))).toEqual({ name, deleted: true });
    }
    expectExit(await cli(['schedules', 'delete', name]), 65);
  });
});

describe('npm run watch', () => {
  it('still starts a run with `npm run watch -- --start` (the CLI from source, through tsx)', async () => {
    const result = await new Promise<CliResult>((resolve) => {
      const child = spawn('npm', ['run', '--silent', 'watch', '--', '--start', '--workers', 'agent-factory'], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', WORKER_HEALTH_URL: baseUrl, WORKER_HEALTH_API_KEY: adminKey },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    expect(result.stdout, result.stderr).toMatch(/^\[1\/1\] agent-factory {2}COMPLETED/m);
    expect([0, 1, 2, 3]).toContain(result.code);
  });
});
