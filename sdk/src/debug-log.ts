/** Structured logs: always for problems, and for one run's progress when it asked for `debug_mode`. */

export type Log = (event: string, fields?: Record<string, unknown>) => void;

export interface RunLog {
  /** Progress; printed only when the run was started with `debug_mode`. */
  debug: Log;
  /** Problems the operator should see (failed delivery, GraphQL errors); always printed. */
  warn: Log;
}

export function createRunLog(enabled: boolean, context: Record<string, unknown>): RunLog {
  const line = (level: 'debug' | 'warn', event: string, fields?: Record<string, unknown>) =>
    JSON.stringify({ level, time: new Date().toISOString(), source: 'worker-health-sdk', event, ...context, ...fields });
  return {
    debug: enabled ? (event, fields) => console.log(line('debug', event, fields)) : () => {},
    warn: (event, fields) => console.warn(line('warn', event, fields)),
  };
}

/** A log that prints problems only, for code running outside a run. */
export const quietLog: RunLog = createRunLog(false, {});
