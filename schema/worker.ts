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
