import { ALERT_ATTEMPT_OUTCOMES, ALERT_DELIVERY_STATUSES } from '../db/alert-deliveries';
import { ALERT_CHANNEL_KINDS } from '../db/alert-channels';
import { ALERT_TRANSITION_KINDS } from '../db/alert-transitions';
import { ALERT_STATUSES } from '../db/alerts';
import { builder } from './builder';
import { upperCaseValues } from './enums';

export const AlertStatusEnum = builder.enumType('AlertStatus', {
  description: 'An alert goes OPEN -> (ACKNOWLEDGED) -> RESOLVED.',
  values: upperCaseValues(ALERT_STATUSES),
});

export const AlertChannelKindEnum = builder.enumType('AlertChannelKind', {
  description:
    'WEBHOOK: JSON signed Standard-Webhooks style with the channel\'s secret. SLACK: an incoming webhook, Block Kit message. DISCORD: a webhook, one embed. PAGERDUTY: Events API v2, trigger and resolve under one dedup_key per alert.',
  values: upperCaseValues(ALERT_CHANNEL_KINDS),
});

export const AlertTransitionKindEnum = builder.enumType('AlertTransitionKind', {
  description: 'What happened to an alert. All but ACKNOWLEDGED notify the rule\'s channels.',
  values: upperCaseValues(ALERT_TRANSITION_KINDS),
});

export const AlertDeliveryStatusEnum = builder.enumType('AlertDeliveryStatus', {
  description:
    'PENDING (queued, or waiting for a retry), SENDING, DELIVERED, FAILED (refused by the receiver: a 4xx other than 429; or the channel is gone) or DEAD_LETTERED (still failing after every retry).',
  values: upperCaseValues(ALERT_DELIVERY_STATUSES),
});

export const AlertAttemptOutcomeEnum = builder.enumType('AlertAttemptOutcome', {
  description: 'DELIVERED (2xx), RETRY (network error, timeout, 5xx or 429: tried again later) or FAILED (any other answer: not retried).',
  values: upperCaseValues(ALERT_ATTEMPT_OUTCOMES),
});
