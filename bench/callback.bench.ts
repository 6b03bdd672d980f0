// What accepting one worker callback costs before D1 is touched: signature verification
// (HMAC over the body, constant-time compare) and payload validation (zod), against the
// baseline every request pays anyway, parsing its JSON body.
import { test } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { deriveWorkerSecret, signWebhook } from '../sdk/src/signing';
import { workerResultPayload } from '../operations/worker-result-payload';

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
const body = JSON.stringify({ query: 'mutation ($input: ReportWorkerResultInput!) { reportWorkerResult(input: $input) { success } }', variables: { input } });
const secret = await deriveWorkerSecret('bench-signing-key', 'agent-factory');
const timestamp = Math.floor(Date.now() / 1000);
const headers = { 'webhook-id': 'msg_bench', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, 'msg_bench', timestamp, body) };
const webhook = new Webhook(secret);

test('accepting a callback of 35 test results', async ({ bench }) => {
  await bench.compare(
    bench('baseline: JSON.parse of the body', () => {
      JSON.parse(body);
    }),
    bench('verify the signature', () => {
      webhook.verify(body, headers);
    }),
    bench('validate the payload', () => {
      const { workerCheckUuid: _uuid, ...result } = JSON.parse(body).variables.input;
      if (!workerResultPayload.safeParse(result).success) throw new Error('invalid');
    }),
  );
});
