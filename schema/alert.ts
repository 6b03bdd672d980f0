import { eq } from 'drizzle-orm';
import { GraphQLError } from 'graphql';
import { alerts, type AlertStatus } from '../db/alerts';
import { acknowledgeAlert, parseAlertId } from '../operations/alerts/acknowledge';
import { notFound } from '../operations/errors';
import { parseStringList } from '../operations/json-columns';
import { builder } from './builder';
import { validatePageArgs } from './page-args';
import { AlertAttemptOutcomeEnum, AlertDeliveryStatusEnum, AlertStatusEnum, AlertTransitionKindEnum } from './alert-enums';
import { HealthStatusEnum } from './enums';

export const MAX_ALERTS_PAGE = 100;
export const DEFAULT_ALERTS_PAGE = 20;

export const AlertDeliveryAttemptType = builder.drizzleObject('alertDeliveryAttempts', {
  name: 'AlertDeliveryAttempt',
  description: 'One attempt to send a delivery.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: '1 for the first.' }),
    statusCode: t.exposeInt('statusCode', { nullable: true, description: "The receiver's HTTP status; null when no answer came (network error, timeout)." }),
    latencyMs: t.exposeInt('latencyMs'),
    error: t.exposeString('error', { nullable: true }),
    outcome: t.field({ type: AlertAttemptOutcomeEnum, select: { columns: { outcome: true } }, resolve: (row) => row.outcome }),
    at: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const AlertDeliveryType = builder.drizzleObject('alertDeliveries', {
  name: 'AlertDelivery',
  description: 'One notification of one transition to one channel: sent once, retried until it is delivered, refused or dead-lettered.',
  fields: (t) => ({
    channel: t.exposeString('channelName', { description: 'The channel, by name.' }),
    transition: t.field({ type: AlertTransitionKindEnum, select: { columns: { transitionKind: true } }, resolve: (row) => row.transitionKind }),
    status: t.field({ type: AlertDeliveryStatusEnum, select: { columns: { status: true } }, resolve: (row) => row.status }),
    attemptCount: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    attempts: t.relation('attemptLog', { description: 'Every attempt, oldest first.', query: { orderBy: { id: 'asc' } } }),
  }),
});

export const AlertTransitionType = builder.drizzleObject('alertTransitions', {
  name: 'AlertTransition',
  description: 'What happened to an alert, when, on which run.',
  fields: (t) => ({
    kind: t.field({ type: AlertTransitionKindEnum, select: { columns: { kind: true } }, resolve: (row) => row.kind }),
    healthCheckUuid: t.exposeID('healthCheckUuid', { nullable: true, description: 'The run whose checks decided it.' }),
    healthStatus: t.field({ type: HealthStatusEnum, nullable: true, select: { columns: { healthStatus: true } }, resolve: (row) => row.healthStatus }),
    score: t.exposeFloat('score', { nullable: true }),
    title: t.string({
      nullable: true,
      description: 'The one line its notification said (null for ACKNOWLEDGED, which notifies no one).',
      select: { columns: { payload: true } },
      resolve: (row) => {
        try {
          const title = (JSON.parse(row.payload) as { data?: { title?: unknown } }).data?.title;
          return typeof title === 'string' ? title : null;
        } catch {
          return null;
        }
      },
    }),
    at: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const AlertType = builder.drizzleObject('alerts', {
  name: 'Alert',
  description: "One episode of a rule's worker (or the fleet) being bad: opened once, maybe acknowledged, resolved once.",
  fields: (t) => ({
    id: t.id({ select: { columns: { id: true } }, resolve: (row) => String(row.id) }),
    rule: t.exposeString('ruleName', { description: 'The rule, by name.' }),
    workerName: t.exposeString('workerName', { nullable: true, description: 'The worker; null for a fleet alert.' }),
    fleet: t.boolean({ select: { columns: { workerName: true } }, resolve: (row) => row.workerName === null }),
    status: t.field({ type: AlertStatusEnum, select: { columns: { status: true } }, resolve: (row) => row.status }),
    flapping: t.exposeBoolean('flapping', { description: 'Its subject is flapping: no per-change notifications until it settles.' }),
    healthStatus: t.field({
      type: HealthStatusEnum,
      nullable: true,
      description: 'As of the latest check it was evaluated on.',
      select: { columns: { healthStatus: true } },
      resolve: (row) => row.healthStatus,
    }),
    score: t.exposeFloat('score', { nullable: true }),
    affectedWorkers: t.stringList({
      description: "Workers depending on it that are failing too: their own alerts are folded into this one.",
      select: { columns: { affectedWorkers: true } },
      resolve: (row) => parseStringList(row.affectedWorkers),
    }),
    summary: t.exposeString('summary', { nullable: true, description: 'What its opening notification said.' }),
    recommendations: t.stringList({
      description: "The analysis's first recommendations when it opened.",
      select: { columns: { recommendations: true } },
      resolve: (row) => parseStringList(row.recommendations),
    }),
    openedHealthCheckUuid: t.exposeID('openedHealthCheckUuid', { nullable: true, description: 'The run whose checks opened it.' }),
    healthCheckUuid: t.exposeID('healthCheckUuid', { nullable: true, description: 'The run of the latest check it was evaluated on.' }),
    openedAt: t.expose('openedAt', { type: 'DateTime' }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    acknowledgedBy: t.exposeString('acknowledgedBy', { nullable: true, description: 'The API key that acknowledged it, by name.' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    transitions: t.relation('transitions', { description: 'Oldest first.', query: { orderBy: { id: 'asc' } } }),
    deliveries: t.relation('deliveries', { description: 'Every notification of it to every channel, oldest first.', query: { orderBy: { id: 'asc' } } }),
  }),
});

builder.queryField('alerts', (t) =>
  t.drizzleConnection(
    {
      type: 'alerts',
      authScopes: { viewer: true },
      description: `Alerts, newest first, of one status or all. Pages hold ${DEFAULT_ALERTS_PAGE} by default and ${MAX_ALERTS_PAGE} at most.`,
      args: { status: t.arg({ type: AlertStatusEnum }) },
      defaultSize: DEFAULT_ALERTS_PAGE,
      maxSize: MAX_ALERTS_PAGE,
      totalCount: (_parent, args, ctx) => {
        validatePageArgs(args, MAX_ALERTS_PAGE);
        return ctx.db.$count(alerts, args.status ? eq(alerts.status, args.status as AlertStatus) : undefined);
      },
      resolve: (query, _root, args, ctx) => {
        validatePageArgs(args, MAX_ALERTS_PAGE);
        return ctx.db.query.alerts.findMany(query({ where: args.status ? { status: args.status } : {}, orderBy: { id: 'desc' } }));
      },
    },
    { name: 'AlertConnection', description: 'A page of alerts, newest first.' },
    { name: 'AlertEdge' },
  ),
);

builder.queryField('alert', (t) =>
  t.drizzleField({
    type: 'alerts',
    nullable: true,
    authScopes: { viewer: true },
    description: 'One alert, by id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => ctx.db.query.alerts.findFirst(query({ where: { id: parseAlertId(id) } })),
  }),
);

builder.mutationField('acknowledgeAlert', (t) =>
  t.drizzleField({
    type: 'alerts',
    authScopes: { operator: true },
    description: 'Someone is on it: an OPEN alert becomes ACKNOWLEDGED and its reminders stop; it still resolves by itself. CONFLICT when it is acknowledged or resolved already.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, ctx) => {
      const alertId = await acknowledgeAlert(ctx, id, ctx.caller?.keyName ?? 'unknown');
      const row = await ctx.db.query.alerts.findFirst(query({ where: { id: alertId } }));
      if (!row) throw notFound(`There is no alert ${alertId}.`);
      return row;
    },
  }),
);

/** What the EventHub delivers to an `alertChanged` subscription: which alert changed. */
export interface AlertChangedEvent {
  alertId: number;
}

builder.subscriptionField('alertChanged', (t) =>
  t.drizzleField({
    type: 'alerts',
    authScopes: { viewer: true },
    description: 'Each alert as it opens, changes (reminder, flapping, settled, acknowledged) or resolves, after the change is recorded.',
    subscribe: () => {
      throw new GraphQLError(
        'Subscriptions are served over WebSocket: connect to /graphql with the graphql-transport-ws subprotocol (the graphql-ws client).',
        { extensions: { code: 'BAD_USER_INPUT' } },
      );
    },
    // drizzleField types the parent as the Subscription root; at run time it is the hub's event.
    resolve: async (query, root, _args, ctx) => {
      const event = root as unknown as AlertChangedEvent;
      const row = await ctx.db.query.alerts.findFirst(query({ where: { id: event.alertId } }));
      if (!row) throw notFound(`There is no alert ${event.alertId}.`);
      return row;
    },
  }),
);
