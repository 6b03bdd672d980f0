/** Validation of the `POST /health-check/execute` body (docs/worker-protocol.md, "Dispatch"). */
import type { ExecuteOptions, ExecuteRequest } from './types';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const OPTION_NAMES = ['include_unit_tests', 'include_performance_tests', 'include_integration_tests', 'debug_mode'] as const;
const OPTION_DEFAULTS: ExecuteOptions = {
  include_unit_tests: true,
  include_performance_tests: true,
  include_integration_tests: true,
  debug_mode: false,
};

/** Parses and validates an execute body; the error says exactly what is wrong. */
export function parseExecuteRequest(text: string): Parsed<ExecuteRequest> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail('The body is not valid JSON');
  }
  if (!isObject(body)) return fail('The body must be a JSON object');

  const uuid = body.worker_check_uuid;
  if (typeof uuid !== 'string' || uuid.trim() === '') return fail('worker_check_uuid is required (a non-empty string)');

  const callbackUrl = body.callback_url;
  if (typeof callbackUrl !== 'string') return fail('callback_url is required (an http or https URL)');
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(callbackUrl);
  } catch {
    return fail(`callback_url is not a URL: ${JSON.stringify(callbackUrl)}`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') return fail('callback_url must be an http or https URL');

  const options = parseOptions(body.options);
  if (!options.ok) return options;

  for (const field of ['health_check_uuid', 'worker_name', 'deadline'] as const) {
    if (body[field] !== undefined && typeof body[field] !== 'string') return fail(`${field} must be a string`);
  }
  const deadline = body.deadline as string | undefined;
  if (deadline !== undefined && Number.isNaN(Date.parse(deadline))) return fail('deadline must be an ISO-8601 date-time');

  const request: ExecuteRequest = { worker_check_uuid: uuid, options: options.value, callback_url: callbackUrl };
  if (typeof body.health_check_uuid === 'string') request.health_check_uuid = body.health_check_uuid;
  if (typeof body.worker_name === 'string') request.worker_name = body.worker_name;
  if (deadline !== undefined) request.deadline = deadline;
  return { ok: true, value: request };
}

function parseOptions(raw: unknown): Parsed<ExecuteOptions> {
  if (raw === undefined || raw === null) return { ok: true, value: { ...OPTION_DEFAULTS } };
  if (!isObject(raw)) return fail('options must be an object');
  const options = { ...OPTION_DEFAULTS };
  for (const name of OPTION_NAMES) {
    const value = raw[name];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') return fail(`options.${name} must be true or false`);
    options[name] = value;
  }
  return { ok: true, value: options };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
