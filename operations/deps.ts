import type { Db } from '../db/client';
import type { AlertQueueMessage } from './alerts/messages';
import type { Publish } from './events';
import type { RunStarter } from './initiate';
import type { RecordOutcome, ResultSubmission } from './run-ledger-types';

/**
 * How the operations reach a run's Durable Object, named by the run's uuid. The operations see only
 * this interface; durable/run-control.ts implements it over the HEALTH_CHECK_RUN binding.
 */
export interface RunControl {
  startRun(healthCheckUuid: string): RunStarter;
  /** Hands a verified, validated result to the run's ledger, which records it once (or says why not). */
  recordResult(healthCheckUuid: string, submission: ResultSubmission): Promise<RecordOutcome>;
  /** Cancels the run in its object ('no-run' when it has none: the caller ends it in D1). */
  cancelRun(healthCheckUuid: string): Promise<'cancelled' | 'not-running' | 'no-run'>;
}

/**
 * What the operations need from their caller (GraphQL, RPC, cron or a Durable Object). Built over a
 * Worker's env by durable/operation-deps.ts, where the adapters to the bindings live.
 */
export interface OperationDeps {
  db: Db;
  env: Env;
  publish: Publish;
  /** Closes every live subscription socket opened with a key (after it is revoked). */
  disconnectKey(keyName: string): Promise<void>;
  runs: RunControl;
  /** Keeps work going after the answer is sent (ExecutionContext / DurableObjectState). */
  waitUntil(promise: Promise<unknown>): void;
  /** Sends messages to the alerts queue (the ALERTS_QUEUE binding); nothing without the binding. */
  enqueueAlerts(messages: AlertQueueMessage[], options?: { delaySeconds?: number }): Promise<void>;
  /** Tells `alertChanged` subscribers that these alerts changed (after the change is in D1). */
  publishAlertChanges(alertIds: number[]): Promise<void>;
}
