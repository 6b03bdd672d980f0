import { and, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { alertRules, type AlertRuleRow } from '../../db/alert-rules';
import { alerts } from '../../db/alerts';
import type { Db } from '../../db/client';
import type { HealthStatus } from '../../db/worker-health-checks';
import type { RuleSpec } from '../../domain/alerts/rules';
import { badInput, conflict, notFound, parseInput } from '../errors';
import { parseStringList } from '../json-columns';
import { checkWorkerFilters, given, nameSchema, workerFiltersSchema } from './validation';

export const RULE_DEFAULTS = { openAt: 'degraded', failureThreshold: 2, successThreshold: 2, flapWindow: 10, flapThreshold: 4 } as const;
export const MAX_THRESHOLD = 100;
export const MAX_FLAP_WINDOW = 50;
export const MAX_REMINDER_MINUTES = 7 * 24 * 60;

const whole = (field: string, min: number, max: number) =>
  z.number().int(`${field} must be a whole number`).min(min, `${field} must be at least ${min}`).max(max, `${field} must be at most ${max}`);

const fields = {
  workerFilters: workerFiltersSchema,
  fleet: z.boolean(),
  openAt: z.string(),
  scoreBelow: z.number().gt(0, 'scoreBelow must be above 0').max(1, 'scoreBelow must be at most 1'),
  failureThreshold: whole('failureThreshold', 1, MAX_THRESHOLD),
  successThreshold: whole('successThreshold', 1, MAX_THRESHOLD),
  /** 0: no reminders. */
  reminderMinutes: whole('reminderMinutes', 0, MAX_REMINDER_MINUTES),
  flapWindow: whole('flapWindow', 3, MAX_FLAP_WINDOW),
  flapThreshold: whole('flapThreshold', 0, MAX_FLAP_WINDOW),
  channels: z.array(nameSchema).min(1, 'channels must name at least one alert channel').max(20, 'at most 20 channels'),
  enabled: z.boolean(),
};

const createSchema = z.object({ name: nameSchema, ...fields }).partial().required({ name: true, channels: true });
export type CreateAlertRuleInput = { [K in keyof z.input<typeof createSchema>]?: z.input<typeof createSchema>[K] | null } & { name: string; channels: string[] };
const updateSchema = z.object(fields).partial();
export type UpdateAlertRuleInput = { [K in keyof z.input<typeof updateSchema>]?: z.input<typeof updateSchema>[K] | null };

const OPENING_STATUSES: readonly HealthStatus[] = ['degraded', 'unhealthy', 'critical'];

/** Checks what one field cannot: the combination, and that every channel exists. */
async function checkRule(db: Db, rule: Omit<AlertRuleRow, 'id' | 'name' | 'createdAt' | 'updatedAt' | 'enabled'>): Promise<void> {
  const problems: string[] = [];
  const filters = parseStringList(rule.workerFilters);
  if (rule.fleet && filters.length) problems.push("a fleet rule watches the run's overall score: leave workerFilters empty");
  if (rule.openAt !== null && !OPENING_STATUSES.includes(rule.openAt)) problems.push('openAt must be DEGRADED, UNHEALTHY or CRITICAL (a HEALTHY check never opens an alert)');
  if (rule.flapThreshold > 0 && rule.flapThreshold >= rule.flapWindow - 1) {
    problems.push(`flapThreshold must be below flapWindow - 1 (${rule.flapWindow - 1}): ${rule.flapWindow} checks change at most ${rule.flapWindow - 1} times; 0 turns flap detection off`);
  }
  if (problems.length) throw badInput(problems.join('; '));
  const names = parseStringList(rule.channels);
  const known = await db.query.alertChannels.findMany({ columns: { name: true }, orderBy: { name: 'asc' } });
  const unknown = [...new Set(names)].filter((name) => !known.some((channel) => channel.name === name));
  if (unknown.length) {
    throw badInput(
      `channels ${unknown.map((name) => `"${name}"`).join(', ')} ${unknown.length === 1 ? 'is not an alert channel' : 'are not alert channels'}. ` +
        (known.length ? `Alert channels: ${known.map((channel) => channel.name).join(', ')}.` : 'Create one with createAlertChannel first.'),
      { unknownChannels: unknown },
    );
  }
  await checkWorkerFilters(db, filters);
}

export async function createAlertRule(db: Db, input: CreateAlertRuleInput): Promise<AlertRuleRow> {
  const data = parseInput(createSchema, given(input));
  if (data.openAt !== undefined && data.scoreBelow !== undefined) throw badInput('give openAt or scoreBelow, not both');
  const values = {
    name: data.name,
    workerFilters: JSON.stringify([...new Set(data.workerFilters ?? [])]),
    fleet: data.fleet ?? false,
    openAt: data.scoreBelow !== undefined ? null : ((data.openAt?.toLowerCase() ?? RULE_DEFAULTS.openAt) as HealthStatus),
    scoreBelow: data.scoreBelow ?? null,
    failureThreshold: data.failureThreshold ?? RULE_DEFAULTS.failureThreshold,
    successThreshold: data.successThreshold ?? RULE_DEFAULTS.successThreshold,
    reminderMinutes: data.reminderMinutes ? data.reminderMinutes : null,
    flapWindow: data.flapWindow ?? RULE_DEFAULTS.flapWindow,
    flapThreshold: data.flapThreshold ?? RULE_DEFAULTS.flapThreshold,
    channels: JSON.stringify([...new Set(data.channels)]),
    enabled: data.enabled ?? true,
  };
  await checkRule(db, values);
  // To the millisecond (CURRENT_TIMESTAMP keeps whole seconds): a rule counts the checks of runs
  // that ended after it was created, and a run ending earlier in the same second is not one.
  const [row] = await db.insert(alertRules).values({ ...values, createdAt: new Date() }).onConflictDoNothing({ target: alertRules.name }).returning();
  if (!row) throw conflict(`An alert rule named "${data.name}" already exists: change it with updateAlertRule, or pick another name.`);
  return row;
}

export async function updateAlertRule(db: Db, name: string, input: UpdateAlertRuleInput): Promise<AlertRuleRow> {
  const data = parseInput(updateSchema, given(input));
  if (data.openAt !== undefined && data.scoreBelow !== undefined) throw badInput('give openAt or scoreBelow, not both');
  const existing = await db.query.alertRules.findFirst({ where: { name } });
  if (!existing) throw notFound(`No alert rule named "${name}".`);
  const merged = {
    workerFilters: data.workerFilters ? JSON.stringify([...new Set(data.workerFilters)]) : existing.workerFilters,
    fleet: data.fleet ?? existing.fleet,
    // Setting one criterion replaces the other.
    openAt: data.openAt !== undefined ? (data.openAt.toLowerCase() as HealthStatus) : data.scoreBelow !== undefined ? null : existing.openAt,
    scoreBelow: data.scoreBelow !== undefined ? data.scoreBelow : data.openAt !== undefined ? null : existing.scoreBelow,
    failureThreshold: data.failureThreshold ?? existing.failureThreshold,
    successThreshold: data.successThreshold ?? existing.successThreshold,
    reminderMinutes: data.reminderMinutes !== undefined ? data.reminderMinutes || null : existing.reminderMinutes,
    flapWindow: data.flapWindow ?? existing.flapWindow,
    flapThreshold: data.flapThreshold ?? existing.flapThreshold,
    channels: data.channels ? JSON.stringify([...new Set(data.channels)]) : existing.channels,
  };
  await checkRule(db, merged);
  const [row] = await db
    .update(alertRules)
    .set({ ...merged, ...(data.enabled !== undefined ? { enabled: data.enabled } : {}), updatedAt: sql`CURRENT_TIMESTAMP` })
    .where(eq(alertRules.name, name))
    .returning();
  if (!row) throw notFound(`No alert rule named "${name}".`);
  return row;
}

/** Deletes a rule and closes its unresolved alerts (resolved, without notifying): nothing would ever resolve them. */
export async function deleteAlertRule(db: Db, name: string): Promise<boolean> {
  const existing = await db.query.alertRules.findFirst({ columns: { id: true }, where: { name } });
  if (!existing) throw notFound(`No alert rule named "${name}".`);
  const [deleted] = await db.batch([
    db.delete(alertRules).where(eq(alertRules.id, existing.id)).returning({ id: alertRules.id }),
    db
      .update(alerts)
      .set({ status: 'resolved', resolvedAt: new Date(), version: sql`${alerts.version} + 1`, lastTransitionKey: null })
      .where(and(eq(alerts.ruleId, existing.id), ne(alerts.status, 'resolved'))),
  ]);
  if (deleted.length === 0) throw notFound(`No alert rule named "${name}".`);
  return true;
}

/** A stored rule as the domain reads it. */
export function ruleSpec(row: AlertRuleRow): RuleSpec {
  return {
    id: row.id,
    name: row.name,
    openAt: row.openAt,
    scoreBelow: row.scoreBelow,
    failureThreshold: row.failureThreshold,
    successThreshold: row.successThreshold,
    reminderMinutes: row.reminderMinutes,
    flapWindow: row.flapWindow,
    flapThreshold: row.flapThreshold,
  };
}
