/**
 * Deploying the orchestrator to a Cloudflare account (README, "Deploy to Cloudflare"):
 *
 *   npm run deploy                   check [env.production], apply the remote D1 migrations, deploy
 *   npm run deploy -- --check        only check; exit 1 with what to fix
 *   npm run deploy:secrets           generate ADMIN_API_KEY and HEALTH_CHECK_SIGNING_KEY and store
 *                                    them with `wrangler secret put --env production`; prints the
 *                                    admin key once (it is shown nowhere else)
 *   npm run deploy:secrets -- --print  only print fresh values (e.g. for a CI secret store)
 *
 * `--config PATH` checks or deploys another wrangler config (the tests use a filled-in copy). In CI,
 * wrangler reads CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID from the environment.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { ROOT, SECRET_GENERATORS } from './dev-vars';

export const PRODUCTION_ENV = 'production';
const PLACEHOLDER_DATABASE_ID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js');

/** What keeps `configPath`'s production environment from a working first deploy. */
export function productionProblems(configPath: string): string[] {
  const config = unstable_readConfig({ config: configPath, env: PRODUCTION_ENV }, { hideWarnings: true });
  const problems: string[] = [];
  const vars = config.vars as Record<string, unknown>;
  if (vars.ENVIRONMENT !== 'production') problems.push(`[env.production.vars] ENVIRONMENT must be "production", not ${JSON.stringify(vars.ENVIRONMENT)}.`);
  const publicUrl = typeof vars.PUBLIC_URL === 'string' ? vars.PUBLIC_URL : '';
  if (!/^https:\/\/[^/]+/.test(publicUrl)) {
    problems.push(`[env.production.vars] PUBLIC_URL must be the orchestrator's https address (https://worker-health.<your-subdomain>.workers.dev or your domain), not ${JSON.stringify(publicUrl)}.`);
  }
  const db = config.d1_databases.find((database: { binding: string; database_id?: string }) => database.binding === 'DB');
  if (!db) problems.push('[[env.production.d1_databases]] needs the DB binding.');
  else if (!db.database_id || PLACEHOLDER_DATABASE_ID.test(db.database_id)) {
    problems.push('[[env.production.d1_databases]] database_id is the placeholder: run `npx wrangler d1 create worker-health` and put the id it prints there.');
  }
  for (const binding of ['HEALTH_CHECK_RUN', 'EVENT_HUB']) {
    if (!config.durable_objects.bindings.some((candidate: { name: string }) => candidate.name === binding)) problems.push(`[[env.production.durable_objects.bindings]] needs ${binding}.`);
  }
  return problems;
}

function wrangler(args: string[], input?: string): void {
  const result = spawnSync(process.execPath, [WRANGLER, ...args], { stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'], input, cwd: ROOT });
  if (result.status !== 0) {
    console.error(`deploy: \`wrangler ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { check: { type: 'boolean' }, print: { type: 'boolean' }, config: { type: 'string', default: path.join(ROOT, 'wrangler.toml') } },
  });
  const config = path.resolve(values.config);

  if (positionals[0] === 'secrets') {
    const secrets = Object.fromEntries(Object.entries(SECRET_GENERATORS).map(([name, generate]) => [name, generate()]));
    if (values.print) {
      for (const [name, value] of Object.entries(secrets)) console.log(`${name}=${value}`);
      return;
    }
    for (const [name, value] of Object.entries(secrets)) wrangler(['secret', 'put', name, '--env', PRODUCTION_ENV, '-c', config], value);
    console.log(`\nStored both secrets. Your admin API key, shown only now:\n\n  ${secrets.ADMIN_API_KEY}\n\nexport WORKER_HEALTH_API_KEY=${secrets.ADMIN_API_KEY}`);
    return;
  }
  if (positionals.length > 0) {
    console.error(`deploy: unknown command ${positionals[0]}; see scripts/deploy.ts.`);
    process.exit(64);
  }

  const problems = productionProblems(config);
  if (problems.length > 0) {
    console.error(`deploy: ${path.relative(ROOT, config) || config} is not ready for production:\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
  if (values.check) {
    console.log(`deploy: ${path.relative(ROOT, config) || config} [env.production] is ready to deploy.`);
    return;
  }
  wrangler(['d1', 'migrations', 'apply', 'DB', '--remote', '--env', PRODUCTION_ENV, '-c', config]);
  wrangler(['deploy', '--env', PRODUCTION_ENV, '-c', config]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
