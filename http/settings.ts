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

/** Requests with bodies over this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 256 * 1024;
