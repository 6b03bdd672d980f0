import { parseStringList } from '../operations/json-columns';
import { createAlertRule, deleteAlertRule, MAX_FLAP_WINDOW, MAX_REMINDER_MINUTES, MAX_THRESHOLD, RULE_DEFAULTS, updateAlertRule } from '../operations/alerts/rules';
import { builder } from './builder';
import { HealthStatusEnum } from './enums';

export const AlertRuleType = builder.drizzleObject('alertRules', {
  name: 'AlertRule',
  description:
    'When to alert, and whom: a worker (or the fleet) bad for failureThreshold consecutive checks opens one alert; good for successThreshold resolves it.',
  fields: (t) => ({
    name: t.exposeString('name'),
    workerFilters: t.stringList({
      description: 'Worker names or types it watches; every worker when empty (and fleet is false).',
      select: { columns: { workerFilters: true } },
      resolve: (row) => parseStringList(row.workerFilters),
    }),
    fleet: t.exposeBoolean('fleet', { description: "It watches the run's overall score instead of workers." }),
    openAt: t.field({
      type: HealthStatusEnum,
      nullable: true,
      description: 'A check at this status or worse is bad. Null when scoreBelow is the criterion.',
      select: { columns: { openAt: true } },
      resolve: (row) => row.openAt,
    }),
    scoreBelow: t.exposeFloat('scoreBelow', { nullable: true, description: 'A check scoring below this is bad (instead of openAt).' }),
    failureThreshold: t.exposeInt('failureThreshold'),
    successThreshold: t.exposeInt('successThreshold'),
    reminderMinutes: t.exposeInt('reminderMinutes', { nullable: true, description: 'Reminders while open and not acknowledged, at most this often; none when null.' }),
    flapWindow: t.exposeInt('flapWindow'),
    flapThreshold: t.exposeInt('flapThreshold', { description: 'More state changes than this among the last flapWindow checks is flapping; 0: no flap detection.' }),
    channels: t.stringList({ select: { columns: { channels: true } }, resolve: (row) => parseStringList(row.channels) }),
    enabled: t.exposeBoolean('enabled'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('alertRules', (t) =>
  t.drizzleField({
    type: ['alertRules'],
    authScopes: { viewer: true },
    description: 'Every alert rule, by name.',
    resolve: (query, _root, _args, ctx) => ctx.db.query.alertRules.findMany(query({ orderBy: { name: 'asc' } })),
  }),
);

const ruleFieldDocs = {
  workerFilters: 'Worker names or types to watch (each must match a registered worker); every worker when empty.',
  fleet: "Watch the fleet's overall score instead of workers (workerFilters must then be empty).",
  openAt: `A check at this status or worse is bad: DEGRADED, UNHEALTHY or CRITICAL (default ${RULE_DEFAULTS.openAt.toUpperCase()}). Not with scoreBelow.`,
  scoreBelow: 'A check scoring below this (0 < scoreBelow <= 1) is bad, instead of openAt.',
  failureThreshold: `Consecutive bad checks that open an alert, 1 to ${MAX_THRESHOLD} (default ${RULE_DEFAULTS.failureThreshold}).`,
  successThreshold: `Consecutive good checks that resolve it, 1 to ${MAX_THRESHOLD} (default ${RULE_DEFAULTS.successThreshold}).`,
  reminderMinutes: `Remind while open and not acknowledged, at most every this many minutes (1 to ${MAX_REMINDER_MINUTES}); 0 or absent: no reminders.`,
  flapWindow: `Checks looked at for flapping, 3 to ${MAX_FLAP_WINDOW} (default ${RULE_DEFAULTS.flapWindow}).`,
  flapThreshold: `More bad/good changes than this in the window is flapping: one FLAPPING notification, then none until it settles (at most half as many changes). 0 turns it off (default ${RULE_DEFAULTS.flapThreshold}).`,
  channels: 'The alert channels to notify, by name.',
};

const CreateAlertRuleInput = builder.inputType('CreateAlertRuleInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    workerFilters: t.stringList({ description: ruleFieldDocs.workerFilters }),
    fleet: t.boolean({ defaultValue: false, description: ruleFieldDocs.fleet }),
    openAt: t.field({ type: HealthStatusEnum, description: ruleFieldDocs.openAt }),
    scoreBelow: t.float({ description: ruleFieldDocs.scoreBelow }),
    failureThreshold: t.int({ defaultValue: RULE_DEFAULTS.failureThreshold, description: ruleFieldDocs.failureThreshold }),
    successThreshold: t.int({ defaultValue: RULE_DEFAULTS.successThreshold, description: ruleFieldDocs.successThreshold }),
    reminderMinutes: t.int({ description: ruleFieldDocs.reminderMinutes }),
    flapWindow: t.int({ defaultValue: RULE_DEFAULTS.flapWindow, description: ruleFieldDocs.flapWindow }),
    flapThreshold: t.int({ defaultValue: RULE_DEFAULTS.flapThreshold, description: ruleFieldDocs.flapThreshold }),
    channels: t.stringList({ required: true, description: ruleFieldDocs.channels }),
    enabled: t.boolean({ defaultValue: true }),
  }),
});

const UpdateAlertRuleInput = builder.inputType('UpdateAlertRuleInput', {
  description: 'Only the fields given change; giving openAt or scoreBelow replaces the other.',
  fields: (t) => ({
    workerFilters: t.stringList({ description: ruleFieldDocs.workerFilters }),
    fleet: t.boolean({ description: ruleFieldDocs.fleet }),
    openAt: t.field({ type: HealthStatusEnum, description: ruleFieldDocs.openAt }),
    scoreBelow: t.float({ description: ruleFieldDocs.scoreBelow }),
    failureThreshold: t.int({ description: ruleFieldDocs.failureThreshold }),
    successThreshold: t.int({ description: ruleFieldDocs.successThreshold }),
    reminderMinutes: t.int({ description: ruleFieldDocs.reminderMinutes }),
    flapWindow: t.int({ description: ruleFieldDocs.flapWindow }),
    flapThreshold: t.int({ description: ruleFieldDocs.flapThreshold }),
    channels: t.stringList({ description: ruleFieldDocs.channels }),
    enabled: t.boolean(),
  }),
});

builder.mutationField('createAlertRule', (t) =>
  t.drizzleField({
    type: 'alertRules',
    authScopes: { admin: true },
    description: 'Adds an alert rule. BAD_USER_INPUT naming every problem (unknown channels or workers, thresholds out of range); CONFLICT for a name in use.',
    args: { input: t.arg({ type: CreateAlertRuleInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => createAlertRule(ctx.db, input),
  }),
);

builder.mutationField('updateAlertRule', (t) =>
  t.drizzleField({
    type: 'alertRules',
    authScopes: { admin: true },
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: UpdateAlertRuleInput, required: true }) },
    resolve: (_query, _root, { name, input }, ctx) => updateAlertRule(ctx.db, name, input),
  }),
);

builder.mutationField('deleteAlertRule', (t) =>
  t.boolean({
    authScopes: { admin: true },
    description: 'Deletes a rule; its unresolved alerts are closed (RESOLVED) without a notification. Their history stays.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => deleteAlertRule(ctx.db, name),
  }),
);
