/**
 * Local secrets for `wrangler dev`: the orchestrator's .dev.vars (created once from
 * .dev.vars.example, never overwritten) and the HEALTH_CHECK_SECRET of each worker in
 * fleet/manifest.ts, derived from the orchestrator's signing key exactly as the orchestrator
 * derives it when it verifies a result.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLEET } from '../fleet/manifest';
import { deriveWorkerSecret } from '../sdk/src/signing';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Fresh values for the orchestrator's secrets: locally into .dev.vars, for a deploy by scripts/deploy.ts. */
export const SECRET_GENERATORS: Record<string, () => string> = {
  ADMIN_API_KEY: () => `wh_${randomBytes(32).toString('hex')}`,
  HEALTH_CHECK_SIGNING_KEY: () => randomBytes(32).toString('hex'),
};

export interface DevSecrets {
  adminKey: string;
  signingKey: string;
  /** True when this call created .dev.vars. */
  created: boolean;
}

export async function prepareSecrets(root = ROOT): Promise<DevSecrets> {
  const devVars = path.join(root, '.dev.vars');
  let created = false;
  if (!existsSync(devVars)) {
    const example = readFileSync(path.join(root, '.dev.vars.example'), 'utf8');
    const filled = example.replace(/^([A-Z0-9_]+)=__generated__$/gm, (line, name: string) => {
      const generate = SECRET_GENERATORS[name];
      if (!generate) throw new Error(`.dev.vars.example asks to generate ${name}, and there is no generator for it.`);
      return `${name}=${generate()}`;
    });
    // 'wx': if another start created it meanwhile, keep theirs (we read it back below).
    try {
      writeFileSync(devVars, filled, { flag: 'wx', mode: 0o600 });
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const vars = parseDotenv(readFileSync(devVars, 'utf8'));
  const adminKey = vars.ADMIN_API_KEY;
  const signingKey = vars.HEALTH_CHECK_SIGNING_KEY;
  if (!adminKey || !signingKey || adminKey === '__generated__' || signingKey === '__generated__') {
    throw new Error(`${devVars} must set ADMIN_API_KEY and HEALTH_CHECK_SIGNING_KEY (delete it to have fresh ones generated).`);
  }

  for (const { name } of FLEET) {
    const file = path.join(root, 'fleet', name, '.dev.vars');
    const content = `# Written by npm start from ../../.dev.vars; do not edit.\nHEALTH_CHECK_SECRET=${await deriveWorkerSecret(signingKey, name)}\n`;
    // Only when it changed: a running `wrangler dev` watches these and would reload.
    if (!existsSync(file) || readFileSync(file, 'utf8') !== content) writeFileSync(file, content, { mode: 0o600 });
  }
  return { adminKey, signingKey, created };
}

/** KEY=value lines, as wrangler reads .dev.vars (comments and blank lines skipped, quotes removed). */
export function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const [, key, raw = ''] = match;
    vars[key!] = /^(['"]).*\1$/.test(raw) ? raw.slice(1, -1) : raw.replace(/\s+#.*$/, '');
  }
  return vars;
}
