// What accepting one worker callback costs before D1 is touched: signature verification
// (HMAC over the body, constant-time compare) and payload validation (zod), against the
// baseline every request pays anyway, parsing its JSON body.
import { test } from 'vitest';
import { deriveWorkerSecret, REPORT_WORKER_RESULT_MUTATION, signedHeaders, verifyWebhook, workerResultSchema } from '../sdk/src/protocol';

const now = new Date().toISOString();
const testResult = (i: number) => ({ name: `test ${i}`, status: 'passed', durationMs: 1.5 + i, error: null });
const input = {
  workerCheckUuid: crypto.randomUUID(),
  uptimeSeconds: 120,
  responseTimeMs: 42,
  orchestratorConnectivity: true,
  databaseConnectivity: true,
  unitTests: Array.from({ length: 20 }, (_, i) => testResult(i)),
  performanceTests: Array.from({ length: 5 }, (_, i) => testResult(i)),
  integrationTests: Array.from({ length: 10 }, (_, i) => testResult(i)),
  warnings: ['cold start'],
  startedAt: now,
  completedAt: now,
};
const body = JSON.stringify({ query: REPORT_WORKER_RESULT_MUTATION, variables: { input } });
const secret = await deriveWorkerSecret('bench-signing-key', 'agent-factory');
const headers = new Headers(signedHeaders(secret, 'msg_bench', body));

test('accepting a callback of 35 test results', async ({ bench }) => {
  await bench.compare(
    bench('baseline: JSON.parse of the body', () => {
      JSON.parse(body);
    }),
    bench('verify the signature', () => {
      // As the orchestrator does (operations/verify-callback.ts): the body is not parsed again.
      if (verifyWebhook(secret, headers, body) !== null) throw new Error('refused');
    }),
    bench('validate the payload', () => {
      const { workerCheckUuid: _uuid, ...result } = JSON.parse(body).variables.input;
      if (!workerResultSchema.safeParse(result).success) throw new Error('invalid');
    }),
  );
});
