/**
 * The alerts queue's consumer (index.ts `queue`): evaluations and deliveries from
 * `worker-health-alerts`, and what its dead-letter queue hands back after the retries. Nothing
 * here runs on the path of a result or a run's finalisation: those only queue the evaluation.
 */
import { retryDelaySeconds } from '../../domain/alerts/backoff';
import type { OperationDeps } from '../deps';
import { deliverNotification, recordDeadLetter } from './deliver';
import { evaluateRunAlerts } from './evaluate';
import { DEAD_LETTER_SUFFIX, parseAlertMessage } from './messages';
import { alertSettings } from './settings';

/** What the consumer needs of a Queues message (`Message` in @cloudflare/workers-types). */
export interface QueueMessageLike {
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export async function consumeAlertBatch(deps: OperationDeps, batch: { readonly queue: string; readonly messages: readonly QueueMessageLike[] }): Promise<void> {
  const deadLetters = batch.queue.endsWith(DEAD_LETTER_SUFFIX);
  const { retryBaseSeconds } = alertSettings(deps.env);
  const handle = async (message: QueueMessageLike) => {
    const body = parseAlertMessage(message.body);
    if (!body) {
      console.error(JSON.stringify({ event: 'alert.message.unreadable', queue: batch.queue, body: JSON.stringify(message.body)?.slice(0, 200) }));
      return message.ack();
    }
    try {
      if (deadLetters) {
        if (body.kind === 'deliver') await recordDeadLetter(deps, body.deliveryId);
        else console.error(JSON.stringify({ event: 'alert.evaluate.dead_lettered', healthCheckUuid: body.healthCheckUuid }));
        return message.ack();
      }
      if (body.kind === 'evaluate') {
        const outcome = await evaluateRunAlerts(deps, body.healthCheckUuid);
        if (outcome.transitions) console.log(JSON.stringify({ event: 'alert.evaluated', healthCheckUuid: body.healthCheckUuid, ...outcome }));
        return message.ack();
      }
      const outcome = await deliverNotification(deps, body);
      if (outcome.action === 'retry') return message.retry({ delaySeconds: outcome.delaySeconds });
      return message.ack();
    } catch (error) {
      // D1 or the queue failed us: try the whole message again later (everything it does is idempotent).
      console.error(JSON.stringify({ event: 'alert.message.failed', kind: body.kind, attempts: message.attempts, error: String(error) }));
      return message.retry({ delaySeconds: retryDelaySeconds(message.attempts, retryBaseSeconds) });
    }
  };
  // Evaluations one after another, in the order the runs ended (each judges its run as of then,
  // and a later run's must not race an earlier one's); deliveries all at once.
  const evaluations = batch.messages.filter((message) => parseAlertMessage(message.body)?.kind === 'evaluate');
  await Promise.all([
    (async () => {
      for (const message of evaluations) await handle(message);
    })(),
    ...batch.messages.filter((message) => !evaluations.includes(message)).map(handle),
  ]);
}

/**
 * After a run is finalised: one "evaluate alerts" message. A queue that cannot be reached is
 * logged, never thrown: alerting must not hold a run's finalisation back.
 */
export async function queueAlertEvaluation(deps: Pick<OperationDeps, 'enqueueAlerts'>, healthCheckUuid: string): Promise<void> {
  try {
    await deps.enqueueAlerts([{ kind: 'evaluate', healthCheckUuid }]);
  } catch (error) {
    console.error(JSON.stringify({ event: 'alert.enqueue_failed', healthCheckUuid, error: String(error) }));
  }
}
