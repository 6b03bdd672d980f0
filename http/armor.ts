import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';

/**
 * Bounds on what one request may ask, sized to this schema's real nesting: the deepest useful
 * query (healthChecks > edges > node > workerResults > unitTests > results > name) is 7 levels,
 * so 10 leaves room for one relation hop back (workerResult > healthCheck) and nothing more.
 * The biggest client operation (client/operations) costs well under the cost limit; the limits
 * are exported so the README and tests read the same numbers.
 */
export const ARMOR_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2_000,
  maxCost: 20_000,
  maxDirectives: 20,
} as const;

export function armorPlugin(options: { hideFieldSuggestions: boolean }) {
  return EnvelopArmorPlugin({
    maxDepth: { n: ARMOR_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: ARMOR_LIMITS.maxAliases, allowList: [] },
    maxTokens: { n: ARMOR_LIMITS.maxTokens },
    costLimit: { maxCost: ARMOR_LIMITS.maxCost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true },
    maxDirectives: { n: ARMOR_LIMITS.maxDirectives },
    blockFieldSuggestion: { enabled: options.hideFieldSuggestions },
  });
}
