/**
 * Where a worker's result goes: each dispatch's `callback_url` names its run and worker in the
 * query (`/graphql?run=<uuid>&worker=<name>`), and the worker posts to that URL as given. The
 * Worker the result comes to then verifies the signature with that worker's secret and hands the
 * result to the run's Durable Object at once, without looking the check up in D1 first. Only a
 * hint: the run's ledger takes the result only for a check of its own run dispatched to the worker
 * whose secret signed it. A callback without the hint (RPC, a hand-made request) is looked up in D1.
 */
export interface CallbackRoute {
  healthCheckUuid: string;
  workerName: string;
}

export function routedCallbackUrl(base: string, healthCheckUuid: string, workerName: string): string {
  const url = new URL(base);
  url.searchParams.set('run', healthCheckUuid);
  url.searchParams.set('worker', workerName);
  return url.toString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The route a callback's URL carries, or null when it carries none (or a malformed one). */
export function callbackRouteFrom(requestUrl: string | null | undefined): CallbackRoute | null {
  if (!requestUrl) return null;
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  const healthCheckUuid = url.searchParams.get('run');
  const workerName = url.searchParams.get('worker');
  if (!healthCheckUuid || !UUID.test(healthCheckUuid) || !workerName) return null;
  return { healthCheckUuid, workerName };
}
