import { acceptSignedResult } from '../operations/accept-result';
import { builder } from './builder';
import { TestStatusEnum } from './enums';

const TestResultInput = builder.inputType('TestResultInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    status: t.field({ type: TestStatusEnum, required: true }),
    durationMs: t.float({ required: true }),
    error: t.string(),
  }),
});

const ReportWorkerResultInput = builder.inputType('ReportWorkerResultInput', {
  description: 'A worker\'s result, as docs/worker-protocol.md defines it.',
  fields: (t) => ({
    workerCheckUuid: t.id({ required: true }),
    uptimeSeconds: t.int(),
    memoryUsageMb: t.float({ description: 'Null where the runtime cannot measure it.' }),
    cpuUsagePercent: t.float({ description: 'Null where the runtime cannot measure it.' }),
    responseTimeMs: t.int(),
    orchestratorConnectivity: t.boolean({ required: true }),
    externalApiConnectivity: t.boolean({ description: 'Null when no external API is configured.' }),
    databaseConnectivity: t.boolean({ description: 'Null when no database is configured.' }),
    unitTests: t.field({ type: [TestResultInput], required: true }),
    performanceTests: t.field({ type: [TestResultInput], required: true }),
    integrationTests: t.field({ type: [TestResultInput], required: true }),
    errorMessage: t.string(),
    warnings: t.stringList(),
    startedAt: t.field({ type: 'DateTime', required: true }),
    completedAt: t.field({ type: 'DateTime', required: true }),
  }),
});

const ReportWorkerResultPayload = builder
  .objectRef<{ success: boolean; message: string }>('ReportWorkerResultPayload')
  .implement({
    fields: (t) => ({
      success: t.exposeBoolean('success'),
      message: t.exposeString('message'),
    }),
  });

builder.mutationField('reportWorkerResult', (t) =>
  t.field({
    type: ReportWorkerResultPayload,
    description:
      'The worker callback. Authenticated by its Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature) made with the worker\'s own secret, not by an API key.',
    args: { input: t.arg({ type: ReportWorkerResultInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const { workerCheckUuid, ...result } = input;
      return acceptSignedResult(ctx, { headers: ctx.request?.headers ?? null, rawBody: ctx.rawBody, requestUrl: ctx.request?.url ?? null, workerCheckUuid, result });
    },
  }),
);
