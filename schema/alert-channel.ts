import type { AlertChannelRow } from '../db/alert-channels';
import { createAlertChannel, deleteAlertChannel, displayUrl, testAlertChannel, updateAlertChannel } from '../operations/alerts/channels';
import { builder } from './builder';
import { AlertChannelKindEnum } from './alert-enums';

export const AlertChannelType = builder.drizzleObject('alertChannels', {
  name: 'AlertChannel',
  description: 'Where alert notifications go. Its signing secret (WEBHOOK) or routing key (PAGERDUTY) is never shown after creation.',
  fields: (t) => ({
    name: t.exposeString('name'),
    kind: t.field({ type: AlertChannelKindEnum, select: { columns: { kind: true } }, resolve: (row) => row.kind }),
    url: t.string({
      description: 'The receiver. Slack and Discord webhook URLs are credentials, so only their host and first path segment are shown.',
      select: { columns: { kind: true, url: true } },
      resolve: (row) => displayUrl(row),
    }),
    enabled: t.exposeBoolean('enabled'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const AlertChannelPayload = builder.objectRef<{ channel: AlertChannelRow; signingSecret: string | null }>('AlertChannelPayload').implement({
  fields: (t) => ({
    channel: t.field({ type: AlertChannelType, resolve: (payload) => payload.channel }),
    signingSecret: t.string({
      nullable: true,
      description:
        "A WEBHOOK channel's Standard Webhooks signing secret (whsec_…), shown only here, when it is made (createAlertChannel, updateAlertChannel with rotateSigningSecret): store it in the receiver now. Null otherwise.",
      resolve: (payload) => payload.signingSecret,
    }),
  }),
});

const AlertChannelTestResult = builder
  .objectRef<{ ok: boolean; statusCode: number | null; latencyMs: number; error: string | null; responseBody: string | null }>('AlertChannelTestResult')
  .implement({
    description: "What the receiver answered to a test notification.",
    fields: (t) => ({
      ok: t.exposeBoolean('ok', { description: 'It answered 2xx.' }),
      statusCode: t.exposeInt('statusCode', { nullable: true, description: 'Null when no answer came.' }),
      latencyMs: t.exposeInt('latencyMs'),
      error: t.exposeString('error', { nullable: true }),
      responseBody: t.exposeString('responseBody', { nullable: true, description: 'The start of its answer (500 characters at most).' }),
    }),
  });

builder.queryField('alertChannels', (t) =>
  t.drizzleField({
    type: ['alertChannels'],
    authScopes: { viewer: true },
    description: 'Every alert channel, by name.',
    resolve: (query, _root, _args, ctx) => ctx.db.query.alertChannels.findMany(query({ orderBy: { name: 'asc' } })),
  }),
);

const CreateAlertChannelInput = builder.inputType('CreateAlertChannelInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 64 letters, digits, ".", "_" or "-".' }),
    kind: t.field({ type: AlertChannelKindEnum, required: true }),
    url: t.string({
      description:
        'The receiver: https (plain http only for localhost, in local development). Required but for PAGERDUTY, whose default is https://events.pagerduty.com/v2/enqueue.',
    }),
    routingKey: t.string({ description: 'PAGERDUTY only, and required there: the integration key of an Events API v2 integration.' }),
    enabled: t.boolean({ defaultValue: true }),
  }),
});

const UpdateAlertChannelInput = builder.inputType('UpdateAlertChannelInput', {
  description: 'Only the fields given change.',
  fields: (t) => ({
    url: t.string(),
    routingKey: t.string({ description: 'PAGERDUTY only.' }),
    enabled: t.boolean({ description: 'A disabled channel is skipped: its deliveries are not made.' }),
    rotateSigningSecret: t.boolean({ description: 'WEBHOOK only: a new signing secret, returned once; the old one stops signing at once.' }),
  }),
});

builder.mutationField('createAlertChannel', (t) =>
  t.field({
    type: AlertChannelPayload,
    authScopes: { admin: true },
    description: "Adds a channel. A WEBHOOK channel's signing secret is returned here, once. BAD_USER_INPUT for a bad URL or a missing routing key; CONFLICT for a name in use.",
    args: { input: t.arg({ type: CreateAlertChannelInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      createAlertChannel(ctx.db, ctx.env, {
        name: input.name,
        kind: input.kind,
        ...(input.url != null ? { url: input.url } : {}),
        ...(input.routingKey != null ? { routingKey: input.routingKey } : {}),
        ...(input.enabled != null ? { enabled: input.enabled } : {}),
      }),
  }),
);

builder.mutationField('updateAlertChannel', (t) =>
  t.field({
    type: AlertChannelPayload,
    authScopes: { admin: true },
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: UpdateAlertChannelInput, required: true }) },
    resolve: (_root, { name, input }, ctx) => updateAlertChannel(ctx.db, ctx.env, name, input),
  }),
);

builder.mutationField('deleteAlertChannel', (t) =>
  t.boolean({
    authScopes: { admin: true },
    description: 'Deletes a channel that no rule names (CONFLICT, naming the rules, otherwise). Its past deliveries stay.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => deleteAlertChannel(ctx.db, name),
  }),
);

builder.mutationField('testAlertChannel', (t) =>
  t.field({
    type: AlertChannelTestResult,
    authScopes: { admin: true },
    description: 'Sends a test notification now (no queue, no retry) and reports what the receiver answered. A PAGERDUTY test triggers an info event and resolves it at once.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => testAlertChannel(ctx, name),
  }),
);
