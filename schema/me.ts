import type { Caller } from '../operations/api-keys';
import { builder } from './builder';
import { ApiKeyRoleEnum } from './enums';

// Who is asking: the dashboard (and any client) shows only what the caller's role may do.

const CallerType = builder.objectRef<Caller>('Caller').implement({
  description: 'The API key a request is made with.',
  fields: (t) => ({
    keyName: t.exposeString('keyName', { description: 'Its name ("bootstrap-admin" for the ADMIN_API_KEY secret).' }),
    role: t.field({ type: ApiKeyRoleEnum, description: 'What it may do: VIEWER reads, OPERATOR also starts checks and acknowledges alerts, ADMIN also manages.', resolve: (caller) => caller.role }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: CallerType,
    authScopes: { viewer: true },
    description: 'The API key this request is made with: its name and role. Any valid key may ask.',
    // The viewer scope admits only an authenticated caller.
    resolve: (_root, _args, ctx) => ctx.caller!,
  }),
);
