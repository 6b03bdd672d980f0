/**
 * A subscribe's document meets what a POST meets: GraphQL Armor's limits (tokens, depth, aliases,
 * cost, directives, http/armor.ts) and the same error codes. Each document here is sent both
 * ways and must be refused with the same errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ARMOR_LIMITS } from '../../http/armor';
import { gql, keyFor } from '../helpers/graphql';
import { dashboard, disconnectAll } from './helpers';

afterEach(disconnectAll);

function nested(levels: number): string {
  let inner = 'uuid';
  for (let i = 0; i < levels; i++) inner = `healthCheck { workerResults { ${inner} } }`;
  return `subscription { healthCheckUpdated { workerResult { ${inner} } } }`;
}

const aliases = (n: number) => `subscription { healthCheckUpdated { ${Array.from({ length: n }, (_, i) => `a${i}: type`).join(' ')} } }`;
const directives = (n: number) => `subscription { healthCheckUpdated { ${'type @include(if: true) '.repeat(n)}} }`;
// Tokens at a byte each (a deeply nested list type), so the token limit comes before the hub's
// own cap on a document's bytes.
const tokens = (depth: number) => `subscription ($v: ${'['.repeat(depth)}ID${']'.repeat(depth)}) { healthCheckUpdated(uuid: $v) { type } }`;
// Fragments spread in fragments: a few hundred bytes, an enormous cost.
const costly = (levels: number, fan: number) => {
  const fragments = ['fragment F0 on HealthCheck { uuid status }'];
  for (let i = 1; i <= levels; i++) fragments.push(`fragment F${i} on HealthCheck { ${Array(fan).fill(`...F${i - 1}`).join(' ')} }`);
  return `subscription { healthCheckUpdated { healthCheck { ...F${levels} } } } ${fragments.join(' ')}`;
};

const REFUSED: [string, string, RegExp][] = [
  ['too deep', nested(4), new RegExp(`Query depth limit of ${ARMOR_LIMITS.maxDepth} exceeded`)],
  ['too many aliases', aliases(ARMOR_LIMITS.maxAliases + 1), new RegExp(`Aliases limit of ${ARMOR_LIMITS.maxAliases} exceeded`)],
  ['too many tokens', tokens(ARMOR_LIMITS.maxTokens / 2), new RegExp(`Token limit of ${ARMOR_LIMITS.maxTokens} exceeded`)],
  ['too many directives', directives(ARMOR_LIMITS.maxDirectives + 1), new RegExp(`Directives limit of ${ARMOR_LIMITS.maxDirectives} exceeded`)],
  ['too costly', costly(3, 6), new RegExp(`Query Cost limit of ${ARMOR_LIMITS.maxCost} exceeded`)],
  ['an unknown field', 'subscription { healthCheckUpdated { colour } }', /Cannot query field "colour"/],
  ['a syntax error', 'subscription { healthCheckUpdated { type }', /Syntax Error/],
];

describe('subscribe documents and the HTTP limits', () => {
  it.each(REFUSED)('refuses a document %s exactly as POST /graphql does', async (_name, query, message) => {
    const key = await keyFor('viewer');
    const overHttp = await gql(query, {}, { key });
    expect(overHttp.errors?.[0]?.message).toMatch(message);

    const watcher = dashboard(key);
    const refused = await watcher.subscribe(query).failed;
    expect(refused).toEqual(overHttp.errors);
    expect(refused).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  });

  it('lets documents at every limit through', async () => {
    const watcher = dashboard(await keyFor('viewer'));
    const atLimits = [nested(3), aliases(ARMOR_LIMITS.maxAliases), directives(ARMOR_LIMITS.maxDirectives)].map((query) => watcher.subscribe(query));
    const refusals: unknown[] = [];
    for (const subscription of atLimits) void subscription.failed.then((errors) => refusals.push(errors));
    await watcher.settled();
    expect(refusals).toEqual([]);
  });

  it("refuses a document over the hub's own size cap, which keeps each socket's state storable", async () => {
    const watcher = dashboard(await keyFor('viewer'));
    const padded = `subscription { healthCheckUpdated { type } } # ${'x'.repeat(4096)}`;
    expect(await watcher.subscribe(padded).failed).toEqual([
      { message: expect.stringMatching(/^Subscription document is too large: \d+ bytes with its variables \(at most 4096\)$/), extensions: { code: 'BAD_USER_INPUT', limit: 4096 } },
    ]);
  });
});
