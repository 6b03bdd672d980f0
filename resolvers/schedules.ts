import { Cron } from 'croner';
import type { HealthCheckScheduleRow } from '../db/health-check-schedules';

/**
 * When a schedule fires next, in UTC (cron triggers run in UTC). Five-field expressions and the
 * seed's six-field ones (leading seconds) are both accepted. Null when disabled or unparsable.
 */
export function nextRunAt(schedule: Pick<HealthCheckScheduleRow, 'cronExpression' | 'enabled'>, from = new Date()) {
  if (schedule.enabled === false) return null;
  try {
    return new Cron(schedule.cronExpression, { timezone: 'UTC', paused: true }).nextRun(from);
  } catch {
    return null;
  }
}
