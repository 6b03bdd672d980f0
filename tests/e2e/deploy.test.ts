/**
 * The production configuration, as `npm run deploy` uses it: the bundle builds for
 * `[env.production]`, its vars are the production ones, it binds no demo worker (so a first deploy
 * to an empty account is accepted), it carries the static files (assets/) routed as at the top
 * level, the fleet calls back over its binding, and the preflight check refuses the placeholders a
 * team must fill in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { FLEET } from '../../fleet/manifest';
import { ROOT } from '../../scripts/dev-vars';
import { productionProblems } from '../../scripts/deploy';

const scratch = mkdtempSync(path.join(tmpdir(), 'worker-health-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const run = (command: string, args: string[]) =>
  spawnSync(process.execPath, [command, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
const wrangler = (...args: string[]) => run(path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), args);
const deployScript = (...args: string[]) => run(path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), ['scripts/deploy.ts', ...args]);

const production = (config: string) => unstable_readConfig({ config: path.join(ROOT, config), env: 'production' }, { hideWarnings: true });

describe('the production bundle', () => {
  it('builds with wrangler deploy --dry-run --env production, with the production vars and no demo bindings', () => {
    const outdir = path.join(scratch, 'bundle');
    const result = wrangler('deploy', '--dry-run', '--env', 'production', '--outdir', outdir);
    expect(result.status, result.stderr).toBe(0);
    expect(statSync(path.join(outdir, 'index.js')).size).toBeGreaterThan(100_000);
    const bindings = result.stdout.slice(result.stdout.indexOf('Your Worker has access to the following bindings'));
    expect(bindings).toMatch(/env\.ENVIRONMENT \("production"\)/);
    expect(bindings).toMatch(/env\.HEALTH_CHECK_RUN \(HealthCheckRun\)/);
    expect(bindings).toMatch(/env\.EVENT_HUB \(EventHub\)/);
    expect(bindings).toMatch(/env\.DB \(worker-health\)/);
    for (const { binding } of FLEET) expect(bindings).not.toContain(binding);
    expect(bindings).not.toContain('localhost');
    // The static files go with it (GraphiQL's, under assets/graphiql/, and the dashboard,
    // assets/index.html), not inside the Worker.
    expect(result.stdout).toContain(`from the assets directory ${path.join(ROOT, 'assets')}`);
    const worker = readFileSync(path.join(outdir, 'index.js'), 'utf8');
    expect(worker).not.toContain('Automatically added leaf fields'); // a string of GraphiQL's UI
    expect(worker).not.toContain('worker-health.apiKey'); // the dashboard's storage key
  });

  it('reads as production: its own name, production vars, no services', () => {
    const config = production('wrangler.toml');
    expect(config.name).toBe('worker-health');
    expect(config.vars).toEqual({ ENVIRONMENT: 'production', EVENT_HUB_SHARDS: '4', PUBLIC_URL: '', GRAPHIQL: '', INTROSPECTION: '' });
    expect(config.services).toEqual([]);
    expect(config.triggers.crons).toEqual(['* * * * *']);
  });

  it('serves the same static files as the top level, with /graphql and /health always run by the Worker', () => {
    const assets = { directory: 'assets', run_worker_first: ['/graphql', '/health'] };
    expect(production('wrangler.toml').assets).toEqual(assets);
    expect(unstable_readConfig({ config: path.join(ROOT, 'wrangler.toml') }, { hideWarnings: true }).assets).toEqual(assets);
  });

  it.each(FLEET.map((worker) => [worker.name, worker] as const))('%s in production binds the orchestrator and has no localhost URL', (name, worker) => {
    const config = production(`fleet/${name}/wrangler.toml`);
    expect(config.name).toBe(name);
    expect(config.services).toEqual([{ binding: 'ORCHESTRATOR', service: 'worker-health' }]);
    expect(config.vars).toEqual({ ORCHESTRATOR_URL: '' });
    expect(config.d1_databases.length).toBe(worker.ownDatabase ? 1 : 0);
  });
});

describe('npm run deploy, before it deploys', () => {
  it('refuses the committed placeholders, naming each and its fix', () => {
    expect(productionProblems(path.join(ROOT, 'wrangler.toml'))).toEqual([
      expect.stringMatching(/PUBLIC_URL must be the orchestrator's https address/),
      expect.stringMatching(/database_id is the placeholder: run `npx wrangler d1 create worker-health`/),
    ]);
    const result = deployScript('--check');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is not ready for production/);
  });

  it('passes a configuration with the address and the database filled in', () => {
    const filled = readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')
      .replace(/(\[env\.production\.vars\][^[]*?PUBLIC_URL = )""/, '$1"https://worker-health.example.workers.dev"')
      .replace(/(\[\[env\.production\.d1_databases\]\][^[]*?database_id = )"0{8}-0{4}-0{4}-0{4}-0{12}"/, '$1"3f2a8c1e-0b7d-4e59-9a61-2c4d5e6f7a8b"');
    const config = path.join(scratch, 'wrangler.toml');
    writeFileSync(config, filled);
    expect(productionProblems(config)).toEqual([]);
    const result = deployScript('--check', '--config', config);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ready to deploy/);
  });

  it('generates the two secrets in the form the orchestrator expects', () => {
    const result = deployScript('secrets', '--print');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ADMIN_API_KEY=wh_[0-9a-f]{64}\nHEALTH_CHECK_SIGNING_KEY=[0-9a-f]{64}\n$/);
  });
});
