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
 * Requests with bodies over this are refused with 413 before they are parsed. The largest request
 * the API takes is a worker's signed result, so the protocol's callback limit is the server's.
 */
export const MAX_BODY_BYTES = LIMITS.callbackBytes;
