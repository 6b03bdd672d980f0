import { isActiveAt, nextStart } from '../domain/alerts/maintenance';
import { parseStringList } from '../operations/json-columns';
import { createMaintenanceWindow, deleteMaintenanceWindow, MAX_WINDOW_MINUTES, updateMaintenanceWindow, windowSpec } from '../operations/alerts/windows';
import { builder } from './builder';

export const MaintenanceWindowType = builder.drizzleObject('maintenanceWindows', {
  name: 'MaintenanceWindow',
  description:
    'While a window is on, checks of the workers it covers still run and are recorded, but their alerts are held: nothing opens, reminds or resolves. At the first check after it, a worker still bad for its rule\'s failureThreshold opens its alert then.',
  fields: (t) => ({
    name: t.exposeString('name'),
    workerFilters: t.stringList({
      description: 'Worker names or types it covers; the whole fleet (every worker and fleet rules) when empty.',
      select: { columns: { workerFilters: true } },
      resolve: (row) => parseStringList(row.workerFilters),
    }),
    startsAt: t.expose('startsAt', { type: 'DateTime', nullable: true, description: 'One-off windows: the start.' }),
    endsAt: t.expose('endsAt', { type: 'DateTime', nullable: true, description: 'One-off windows: the end (exclusive).' }),
    cronExpression: t.exposeString('cronExpression', { nullable: true, description: 'Recurring windows: when each occurrence starts, read in timeZone.' }),
    durationMinutes: t.exposeInt('durationMinutes', { nullable: true, description: 'Recurring windows: how long each occurrence lasts.' }),
    timeZone: t.exposeString('timeZone'),
    active: t.boolean({ description: 'Whether it is on now.', resolve: (row) => isActiveAt(windowSpec(row), new Date()) }),
    nextStartsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it next starts; null for a one-off window that has started.',
      resolve: (row) => nextStart(windowSpec(row), new Date()),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('maintenanceWindows', (t) =>
  t.drizzleField({
    type: ['maintenanceWindows'],
    authScopes: { viewer: true },
    description: 'Every maintenance window, by name.',
    resolve: (query, _root, _args, ctx) => ctx.db.query.maintenanceWindows.findMany(query({ orderBy: { name: 'asc' } })),
  }),
);

const docs = {
  workerFilters: 'Worker names or types to cover (each must match a registered worker); the whole fleet when empty.',
  startsAt: 'A one-off window: its start (with endsAt).',
  endsAt: 'A one-off window: its end, after startsAt.',
  cronExpression: 'A recurring window: when each occurrence starts, five cron fields (or six with seconds), read in timeZone (with durationMinutes).',
  durationMinutes: `A recurring window: how long each occurrence lasts, 1 to ${MAX_WINDOW_MINUTES}.`,
  timeZone: 'The IANA time zone cronExpression is read in (default UTC).',
};

const CreateMaintenanceWindowInput = builder.inputType('CreateMaintenanceWindowInput', {
  description: 'Give startsAt and endsAt (one-off) or cronExpression and durationMinutes (recurring).',
  fields: (t) => ({
    name: t.string({ required: true }),
    workerFilters: t.stringList({ description: docs.workerFilters }),
    startsAt: t.field({ type: 'DateTime', description: docs.startsAt }),
    endsAt: t.field({ type: 'DateTime', description: docs.endsAt }),
    cronExpression: t.string({ description: docs.cronExpression }),
    durationMinutes: t.int({ description: docs.durationMinutes }),
    timeZone: t.string({ description: docs.timeZone }),
  }),
});

const UpdateMaintenanceWindowInput = builder.inputType('UpdateMaintenanceWindowInput', {
  description: 'Only the fields given change; giving the other kind\'s fields turns the window into that kind.',
  fields: (t) => ({
    workerFilters: t.stringList({ description: docs.workerFilters }),
    startsAt: t.field({ type: 'DateTime', description: docs.startsAt }),
    endsAt: t.field({ type: 'DateTime', description: docs.endsAt }),
    cronExpression: t.string({ description: docs.cronExpression }),
    durationMinutes: t.int({ description: docs.durationMinutes }),
    timeZone: t.string({ description: docs.timeZone }),
  }),
});

builder.mutationField('createMaintenanceWindow', (t) =>
  t.drizzleField({
    type: 'maintenanceWindows',
    authScopes: { admin: true },
    description: 'Adds a maintenance window. BAD_USER_INPUT naming every problem; CONFLICT for a name in use.',
    args: { input: t.arg({ type: CreateMaintenanceWindowInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => createMaintenanceWindow(ctx.db, input),
  }),
);

builder.mutationField('updateMaintenanceWindow', (t) =>
  t.drizzleField({
    type: 'maintenanceWindows',
    authScopes: { admin: true },
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: UpdateMaintenanceWindowInput, required: true }) },
    resolve: (_query, _root, { name, input }, ctx) => updateMaintenanceWindow(ctx.db, name, input),
  }),
);

builder.mutationField('deleteMaintenanceWindow', (t) =>
  t.boolean({
    authScopes: { admin: true },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => deleteMaintenanceWindow(ctx.db, name),
  }),
);
