/**
 * The orchestrator's optional bindings and vars, declared once. `wrangler types` generates
 * worker-configuration.d.ts from wrangler.toml, which lists only what every deployment has; these
 * are the ones a deployment may add (`wrangler.toml [vars]`, `--var`, the dashboard), merged into
 * the same global `Env` so no code casts `env` to read them.
 */
interface Env {
  /** Workers AI: when bound, analysis is written by the model (AI_MODEL), the rules the fallback. */
  AI?: Ai;
  /** The Workers AI model for analysis; domain/analysis/workers-ai.ts has the default. */
  AI_MODEL?: string;
  /** EventHub limits per shard (durable/graphql-ws/limits.ts has the defaults). */
  EVENT_HUB_MAX_SOCKETS?: string;
  EVENT_HUB_MAX_PENDING_SOCKETS?: string;
  EVENT_HUB_MAX_SUBSCRIPTIONS?: string;
  EVENT_HUB_MAX_DOCUMENT_BYTES?: string;
  EVENT_HUB_INIT_TIMEOUT_MS?: string;
}
