/** `alertChanged` over graphql-ws: each alert as it opens, is acknowledged and resolves. */
import { afterEach, describe, expect, it } from 'vitest';
import { gql, keyFor } from '../helpers/graphql';
import { within } from '../subscriptions/live';
import { dashboard, disconnectAll } from '../subscriptions/helpers';
import { listAlerts, registerWorkers, resetAlertTablesBeforeEach, rule, runWith, silent, waitFor, webhookChannel } from './helpers';

resetAlertTablesBeforeEach();
afterEach(disconnectAll);

describe('alertChanged', { timeout: 60_000 }, () => {
  it('tells a viewer of every change, after it is recorded, and nothing of runs', async () => {
    await registerWorkers(silent('web'));
    await webhookChannel('ops', 'alert-changed');
    await rule({ name: 'web-down', workerFilters: ['web'], failureThreshold: 1, successThreshold: 1, channels: ['ops'] });
    const viewer = dashboard(await keyFor('viewer'));
    await within(viewer.connected, 'connection_ack');
    const changes = viewer.subscribe<{ alertChanged: { id: string; status: string; workerName: string; transitions: { kind: string }[] } }>(
      'subscription { alertChanged { id status workerName transitions { kind } } }',
    );
    const runs = viewer.subscribe('subscription { healthCheckCompleted { uuid } }');
    await viewer.settled();

    await runWith({ web: 'CRITICAL' });
    const opened = await within(changes.next(), 'the opening');
    expect(opened.data!.alertChanged).toMatchObject({ status: 'OPEN', workerName: 'web', transitions: [{ kind: 'OPENED' }] });

    const operator = await keyFor('operator');
    await gql(`mutation { acknowledgeAlert(id: "${opened.data!.alertChanged.id}") { id } }`, {}, { key: operator });
    expect((await within(changes.next(), 'the acknowledgement')).data!.alertChanged).toMatchObject({ status: 'ACKNOWLEDGED', transitions: [{ kind: 'OPENED' }, { kind: 'ACKNOWLEDGED' }] });

    await runWith({ web: 'HEALTHY' });
    expect((await within(changes.next(), 'the resolution')).data!.alertChanged).toMatchObject({ status: 'RESOLVED', transitions: [{ kind: 'OPENED' }, { kind: 'ACKNOWLEDGED' }, { kind: 'RESOLVED' }] });
    await waitFor(() => listAlerts(), (alerts) => alerts[0]?.deliveries.every((d: any) => d.status === 'DELIVERED'), 'the deliveries');
    // Run events reach only run subscriptions, alert events only alertChanged.
    expect(runs.results).toHaveLength(2);
    expect(changes.results).toHaveLength(3);
  });
});
