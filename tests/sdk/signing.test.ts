import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { assertWorkerSecret, deriveWorkerSecret, signedHeaders, signWebhook, verifyWebhook } from '../../sdk/src/signing';

// Vectors computed independently with Node's crypto.createHmac, so the orchestrator (whatever it
// signs and verifies with) and the SDK are held to the same bytes.
const SIGNING_KEY = 'test-signing-key-0123456789abcdef';
const AGENT_FACTORY_SECRET = 'whsec_BYjNvqSgBc1w/64C/+4arQzS2tj/U7/6pmGNZAclTuE=';

describe('deriveWorkerSecret', () => {
  it('derives whsec_<base64 HMAC-SHA256(signing key, "worker-health:" + name)>', async () => {
    expect(await deriveWorkerSecret(SIGNING_KEY, 'agent-factory')).toBe(AGENT_FACTORY_SECRET);
  });

  it('gives every worker its own 32-byte secret', async () => {
    const a = await deriveWorkerSecret(SIGNING_KEY, 'agent-factory');
    const b = await deriveWorkerSecret(SIGNING_KEY, 'data-factory');
    const c = await deriveWorkerSecret('another-signing-key', 'agent-factory');
    expect(new Set([a, b, c]).size).toBe(3);
    for (const secret of [a, b, c]) expect(atob(secret.slice('whsec_'.length))).toHaveLength(32);
  });

  it('refuses an empty key or name', async () => {
    await expect(deriveWorkerSecret('', 'agent-factory')).rejects.toThrow(/signing key/);
    await expect(deriveWorkerSecret(SIGNING_KEY, '')).rejects.toThrow(/worker name/);
  });
});

describe('signWebhook', () => {
  it('signs "id.timestamp.body" with the decoded secret as v1,<base64>', () => {
    expect(signWebhook(AGENT_FACTORY_SECRET, 'msg_1', 1_700_000_000, '{"a":1}')).toBe('v1,Raa6IhrnXQ/Hau72vGZYkiuOn6rczO14f/9ALYnn02Q=');
  });

  it('produces headers a Standard Webhooks verifier accepts, and only with the right secret', async () => {
    const body = JSON.stringify({ hello: 'orchestrator' });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_abc', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(AGENT_FACTORY_SECRET, 'msg_abc', timestamp, body) };
    expect(new Webhook(AGENT_FACTORY_SECRET).verify(body, headers)).toEqual({ hello: 'orchestrator' });

    const otherWorker = await deriveWorkerSecret(SIGNING_KEY, 'ui-factory');
    expect(() => new Webhook(otherWorker).verify(body, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(AGENT_FACTORY_SECRET).verify(body + ' ', headers)).toThrow(/No matching signature/);
  });
});

describe('signedHeaders and verifyWebhook', () => {
  it('build the one set of headers dispatches and results carry, and check them over the exact body', async () => {
    const body = '{"worker_check_uuid":"wc-1"}';
    const headers = signedHeaders(AGENT_FACTORY_SECRET, 'dispatch_wc-1', body, 1_700_000_000);
    expect(headers).toEqual({
      'content-type': 'application/json',
      'webhook-id': 'dispatch_wc-1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': signWebhook(AGENT_FACTORY_SECRET, 'dispatch_wc-1', 1_700_000_000, body),
    });

    const fresh = new Headers(signedHeaders(AGENT_FACTORY_SECRET, 'msg_1', body));
    expect(verifyWebhook(AGENT_FACTORY_SECRET, fresh, body)).toBeNull();
    expect(verifyWebhook(AGENT_FACTORY_SECRET, fresh, `${body} `)).toMatch(/No matching signature/);
    expect(verifyWebhook(await deriveWorkerSecret(SIGNING_KEY, 'ui-factory'), fresh, body)).toMatch(/No matching signature/);
    expect(verifyWebhook(AGENT_FACTORY_SECRET, new Headers(headers), body)).toMatch(/too old/);
    // The body is compared as bytes, never parsed: a signed body that is not JSON still verifies.
    expect(verifyWebhook(AGENT_FACTORY_SECRET, new Headers(signedHeaders(AGENT_FACTORY_SECRET, 'msg_2', 'not json')), 'not json')).toBeNull();
    fresh.delete('webhook-signature');
    expect(verifyWebhook(AGENT_FACTORY_SECRET, fresh, body)).toBe('missing webhook-signature');
  });
});

describe('assertWorkerSecret', () => {
  it('accepts a derived secret and names what is wrong with a bad one', () => {
    expect(() => assertWorkerSecret(AGENT_FACTORY_SECRET)).not.toThrow();
    expect(() => assertWorkerSecret(undefined)).toThrow('HEALTH_CHECK_SECRET is not set');
    expect(() => assertWorkerSecret('plain-text-secret')).toThrow(/whsec_<base64>/);
    expect(() => assertWorkerSecret('whsec_')).toThrow(/whsec_<base64>/);
  });
});
