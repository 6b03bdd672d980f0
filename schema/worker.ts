import { parseStringList } from '../operations/json-columns';
import { registerWorker, removeWorker, updateWorker, workerSigningSecret } from '../operations/workers-registry';
import { builder } from './builder';

export const WorkerType = builder.drizzleObject('workers', {
  name: 'Worker',
  description: 'A downstream Worker in the registry, checked by every run its filters match.',
  fields: (t) => ({
    name: t.exposeString('name'),
    type: t.exposeString('type'),
    enabled: t.exposeBoolean('enabled'),
    binding: t.exposeString('binding', {
      nullable: true,
      description: "The orchestrator's service binding that reaches it, when reached that way.",
    }),
    url: t.exposeString('url', { nullable: true, description: 'Its https base URL, when reached that way.' }),
    dependsOn: t.stringList({
      description:
        'The registered workers it depends on. When one of them is failing too, its alerts are folded into the alert of the dependency, which lists it as affected.',
      select: { columns: { dependsOn: true } },
      resolve: (row) => parseStringList(row.dependsOn),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('workers', (t) =>
  t.drizzleField({
    type: ['workers'],
    authScopes: { viewer: true },
    description: 'The worker registry, by name.',
    resolve: (query, _root, _args, ctx) => ctx.db.query.workers.findMany(query({ orderBy: { name: 'asc' } })),
  }),
);

const RegisterWorkerInput = builder.inputType('RegisterWorkerInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique; lower-case letters, digits and "-".' }),
    type: t.string({ required: true, description: 'What kind of worker it is; filters match names or types.' }),
    binding: t.string({ description: "The orchestrator's service binding that reaches it." }),
    url: t.string({ description: 'Its https base URL (http only for localhost).' }),
    enabled: t.boolean({ defaultValue: true }),
    dependsOn: t.stringList({ description: 'Registered workers it depends on (no cycles).' }),
  }),
});

const UpdateWorkerInput = builder.inputType('UpdateWorkerInput', {
  fields: (t) => ({
    type: t.string(),
    binding: t.string({ description: 'Setting binding or url replaces how the worker is reached.' }),
    url: t.string(),
    enabled: t.boolean(),
    dependsOn: t.stringList({ description: 'Replaces the workers it depends on; [] clears them. Registered workers only, no cycles.' }),
  }),
});

builder.mutationField('registerWorker', (t) =>
  t.drizzleField({
    type: 'workers',
    authScopes: { admin: true },
    description: 'Adds a worker to the registry. Give exactly one of binding or url.',
    args: { input: t.arg({ type: RegisterWorkerInput, required: true }) },
    resolve: (_query, _root, { input }, ctx) => registerWorker(ctx.db, ctx.env, { ...input, enabled: input.enabled ?? true }),
  }),
);

builder.mutationField('updateWorker', (t) =>
  t.drizzleField({
    type: 'workers',
    authScopes: { admin: true },
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: UpdateWorkerInput, required: true }) },
    resolve: (_query, _root, { name, input }, ctx) => updateWorker(ctx.db, ctx.env, name, input),
  }),
);

builder.mutationField('removeWorker', (t) =>
  t.boolean({
    authScopes: { admin: true },
    description: 'Removes a worker from the registry; its past results stay in the history.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => removeWorker(ctx.db, name),
  }),
);

builder.queryField('workerSigningSecret', (t) =>
  t.string({
    authScopes: { admin: true },
    description:
      "A worker's own callback signing secret (whsec_…), derived from HEALTH_CHECK_SIGNING_KEY. Set it as that worker's HEALTH_CHECK_SECRET.",
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => workerSigningSecret(ctx.db, ctx.env, name),
  }),
);
