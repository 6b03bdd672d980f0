import { cancelHealthCheck } from '../operations/cancel';
import { DEFAULT_TIMEOUT_MINUTES, initiateHealthCheck, MAX_TIMEOUT_MINUTES } from '../operations/initiate';
import { builder } from './builder';
import { HealthCheckStatusEnum } from './enums';

const InitiateHealthCheckInput = builder.inputType('InitiateHealthCheckInput', {
  fields: (t) => ({
    triggerSource: t.string({ description: 'Who or what asked, e.g. a user id. Defaults to the API key name.' }),
    timeoutMinutes: t.int({ description: `Deadline for every worker's result, 1 to ${MAX_TIMEOUT_MINUTES}. Default ${DEFAULT_TIMEOUT_MINUTES}.` }),
    includeUnitTests: t.boolean({ defaultValue: true }),
    includePerformanceTests: t.boolean({ defaultValue: true }),
    includeIntegrationTests: t.boolean({ defaultValue: true }),
    workerFilters: t.stringList({ description: 'Worker names or types to check; all enabled workers when absent.' }),
    debugMode: t.boolean({ defaultValue: false, description: 'Structured, verbose logs for this run only.' }),
  }),
});

interface InitiatePayloadShape {
  healthCheckUuid: string;
  status: 'running';
  totalWorkers: number;
  message: string;
}

const InitiateHealthCheckPayload = builder.objectRef<InitiatePayloadShape>('InitiateHealthCheckPayload').implement({
  fields: (t) => ({
    healthCheckUuid: t.exposeID('healthCheckUuid'),
    status: t.field({ type: HealthCheckStatusEnum, resolve: (payload) => payload.status }),
    totalWorkers: t.exposeInt('totalWorkers'),
    message: t.exposeString('message'),
    healthCheck: t.drizzleField({
      type: 'healthChecks',
      resolve: async (query, payload, _args, ctx) =>
        (await ctx.db.query.healthChecks.findFirst(query({ where: { healthCheckUuid: payload.healthCheckUuid } })))!,
    }),
  }),
});

builder.mutationField('initiateHealthCheck', (t) =>
  t.field({
    type: InitiateHealthCheckPayload,
    authScopes: { operator: true },
    description: 'Starts a health check across all enabled workers, or those the filters name.',
    args: { input: t.arg({ type: InitiateHealthCheckInput, required: false }) },
    resolve: (_root, { input }, ctx) =>
      initiateHealthCheck(
        ctx,
        {
          triggerType: 'on_demand',
          triggerSource: input?.triggerSource ?? ctx.caller?.keyName ?? null,
          ...(input?.timeoutMinutes != null ? { timeoutMinutes: input.timeoutMinutes } : {}),
          includeUnitTests: input?.includeUnitTests ?? true,
          includePerformanceTests: input?.includePerformanceTests ?? true,
          includeIntegrationTests: input?.includeIntegrationTests ?? true,
          workerFilters: input?.workerFilters ?? null,
          debugMode: input?.debugMode ?? false,
        },
      ),
  }),
);

builder.mutationField('cancelHealthCheck', (t) =>
  t.drizzleField({
    type: 'healthChecks',
    authScopes: { operator: true },
    description: 'Cancels a running health check; its outstanding workers are no longer waited for.',
    args: { uuid: t.arg.id({ required: true }) },
    resolve: async (query, _root, { uuid }, ctx) => {
      await cancelHealthCheck(ctx, uuid);
      return (await ctx.db.query.healthChecks.findFirst(query({ where: { healthCheckUuid: uuid } })))!;
    },
  }),
);
