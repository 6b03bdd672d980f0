import { describe, expect, it } from 'vitest';
import { decideSubmission, type TargetRecord } from '../../durable/ledger-decisions';

const target = (overrides: Partial<TargetRecord> = {}): TargetRecord => ({
  workerCheckUuid: 'c-1', workerName: 'billing', state: 'running', webhookId: null, digest: null, healthScore: null, ...overrides,
});
const facts = (overrides: Partial<Parameters<typeof decideSubmission>[0]> = {}) => ({
  target: target(), signedBy: 'billing', consumedBy: null, webhookId: 'msg_1', digest: 'd1', finished: false, ...overrides,
});

describe('what a result means for its run (decideSubmission)', () => {
  it('takes the first result for an open check of a running run', () => {
    expect(decideSubmission(facts())).toMatchObject({ kind: 'accept' });
    expect(decideSubmission(facts({ target: target({ state: 'pending' }) }))).toMatchObject({ kind: 'accept' });
  });
  it('refuses a check that is not this run\'s, or another worker\'s, like a bad signature', () => {
    expect(decideSubmission(facts({ target: null }))).toEqual({ kind: 'unsigned' });
    expect(decideSubmission(facts({ signedBy: 'search' }))).toEqual({ kind: 'unsigned' });
  });
  it('answers the same delivery again as a retry, even after the run is over', () => {
    const recorded = target({ state: 'completed', webhookId: 'msg_1', digest: 'd1', healthScore: 0.9 });
    expect(decideSubmission(facts({ target: recorded, consumedBy: recorded, finished: true }))).toEqual({ kind: 'retry', workerName: 'billing', webhookId: 'msg_1', healthScore: 0.9 });
  });
  it('refuses a used webhook-id with another result, or for another check', () => {
    const recorded = target({ state: 'completed', webhookId: 'msg_1', digest: 'd1' });
    expect(decideSubmission(facts({ target: recorded, consumedBy: recorded, digest: 'd2' }))).toMatchObject({ kind: 'other-result' });
    expect(decideSubmission(facts({ consumedBy: target({ workerCheckUuid: 'c-2' }) }))).toEqual({ kind: 'replay', webhookId: 'msg_1' });
  });
  it('refuses a result for a run over, then one for a check already final', () => {
    expect(decideSubmission(facts({ finished: true }))).toEqual({ kind: 'too-late', workerName: 'billing' });
    expect(decideSubmission(facts({ target: target({ state: 'timeout' }) }))).toEqual({ kind: 'already', workerName: 'billing', status: 'timeout' });
    expect(decideSubmission(facts({ target: target({ state: 'completed' }), webhookId: null }))).toMatchObject({ kind: 'already' });
  });
});
