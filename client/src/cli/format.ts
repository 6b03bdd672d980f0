import Table from 'cli-table3';
import type { HealthCheckStatus, HealthStatus, TestSuiteFieldsFragment, WorkerCheckStatus, WorkerResultFieldsFragment } from '../../generated/graphql.js';
import type { Colors } from './context.js';

/** A borderless table: aligned columns under a bold header, easy to read and to grep. */
export function table(c: Colors, head: string[], rows: (string | number)[][]): string {
  const t = new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 0 },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
  });
  for (const row of rows) t.push(row.map(String));
  return t.toString().split('\n').map((line) => line.trimEnd()).join('\n');
}

export function band(c: Colors, status: HealthStatus | null | undefined): string {
  switch (status) {
    case 'HEALTHY':
      return c.green(status);
    case 'DEGRADED':
      return c.yellow(status);
    case 'UNHEALTHY':
      return c.red(status);
    case 'CRITICAL':
      return c.bold(c.red(status));
    default:
      return c.dim('-');
  }
}

export function status(c: Colors, value: HealthCheckStatus | WorkerCheckStatus): string {
  switch (value) {
    case 'COMPLETED':
      return c.green(value);
    case 'RUNNING':
    case 'PENDING':
      return c.cyan(value);
    default:
      return c.red(value);
  }
}

export function score(value: number): string {
  return value.toFixed(4);
}

/** `2026-11-30 01:20:00` (UTC), or `-`. */
export function time(value: string | null | undefined): string {
  return value ? value.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-';
}

function suite(c: Colors, s: TestSuiteFieldsFragment): string {
  const text = `${s.passed}/${s.total}`;
  return s.total === 0 ? c.dim('-') : s.passed === s.total ? text : c.yellow(text);
}

export function suites(c: Colors, w: Pick<WorkerResultFieldsFragment, 'unitTests' | 'performanceTests' | 'integrationTests'>): string {
  return `unit ${suite(c, w.unitTests)}  perf ${suite(c, w.performanceTests)}  integration ${suite(c, w.integrationTests)}`;
}

/** One worker's result as a line, as it lands. */
export function workerLine(c: Colors, w: WorkerResultFieldsFragment): string {
  const parts = [
    c.bold(w.workerName),
    status(c, w.status),
    score(w.healthScore),
    band(c, w.healthStatus),
    suites(c, w),
    w.responseTimeMs === null ? '' : `${w.responseTimeMs} ms`,
    w.errorMessage ? c.red(w.errorMessage) : '',
  ];
  return parts.filter(Boolean).join('  ');
}

export function workerTable(c: Colors, workers: readonly WorkerResultFieldsFragment[]): string {
  const sorted = [...workers].sort((a, b) => a.workerName.localeCompare(b.workerName));
  return table(
    c,
    ['WORKER', 'STATUS', 'SCORE', 'HEALTH', 'UNIT', 'PERF', 'INTEGRATION', 'RESPONSE', 'ERROR'],
    sorted.map((w) => [
      w.workerName,
      status(c, w.status),
      score(w.healthScore),
      band(c, w.healthStatus),
      suite(c, w.unitTests),
      suite(c, w.performanceTests),
      suite(c, w.integrationTests),
      w.responseTimeMs === null ? '-' : `${w.responseTimeMs} ms`,
      w.errorMessage ?? '',
    ]),
  );
}
