import { LIMITS } from '../sdk/src/protocol';

/** Deployment switches read from vars; production defaults to the safe side. */
export function serverSettings(env: Env) {
  const development = env.ENVIRONMENT === 'development';
  const flag = (value: string | undefined, fallback: boolean) =>
    value === undefined || value === '' ? fallback : value === 'true';
  return {
    graphiql: flag(env.GRAPHIQL, development),
    introspection: flag(env.INTROSPECTION, development),
  };
}

/**
 * Why this deployment cannot serve, or null. In production PUBLIC_URL must be the orchestrator's
 * own https address: it is the callback URL every dispatch carries, so a wrong one would send each
 * worker's signed result nowhere and every run would time out. Asked on every request (it is a
 * string check), so a deploy with it unset answers 503 with this reason instead of failing later.
 */
export function deploymentProblem(env: Pick<Env, 'ENVIRONMENT' | 'PUBLIC_URL'>): string | null {
  if (env.ENVIRONMENT !== 'production') return null;
  const fix = 'set [env.production.vars] PUBLIC_URL in wrangler.toml to the https address the orchestrator is served at, and deploy again';
  let url: URL;
  try {
    url = new URL(env.PUBLIC_URL);
  } catch {
    return `PUBLIC_URL is ${env.PUBLIC_URL ? `not a URL (${JSON.stringify(env.PUBLIC_URL)})` : 'not set'}: ${fix}.`;
  }
  if (url.protocol !== 'https:') return `PUBLIC_URL must be an https URL in production, not ${JSON.stringify(env.PUBLIC_URL)}: ${fix}.`;
  return null;
}

/**
 * Requests with bodies over this are refused with 413 before they are parsed. The largest request
 * the API takes is a worker's signed result, so the protocol's callback limit is the server's.
 */
export const MAX_BODY_BYTES = LIMITS.callbackBytes;
