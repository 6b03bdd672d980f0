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
  /** Analysis: how many earlier completed checks make a worker's baseline (default 10, domain/baselines.ts). */
  ANALYSIS_BASELINE_CHECKS?: string;
  /** Analysis: slower (faster) than the baseline by more than this percentage is a regression (an improvement); default 25. */
  ANALYSIS_REGRESSION_MARGIN_PERCENT?: string;
  /** EventHub limits per shard (durable/graphql-ws/limits.ts has the defaults). */
  EVENT_HUB_MAX_SOCKETS?: string;
  EVENT_HUB_MAX_PENDING_SOCKETS?: string;
  EVENT_HUB_MAX_SUBSCRIPTIONS?: string;
  EVENT_HUB_MAX_DOCUMENT_BYTES?: string;
  EVENT_HUB_INIT_TIMEOUT_MS?: string;
  /** Alert delivery: how long an attempt waits for an answer (ms), and the retry backoff's base (s). */
  ALERT_DELIVERY_TIMEOUT_MS?: string;
  ALERT_RETRY_BASE_SECONDS?: string;
  /** "true" only in the soak's config (bench/soak): answers POST /__chaos/abort-run/<uuid> (http/chaos.ts). */
  CHAOS?: string;
}
