import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { datetime } from './columns';

export const TRIGGER_TYPES = ['on_demand', 'cron'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const RUN_STATUSES = ['running', 'completed', 'failed', 'timeout', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One health-check run across the fleet (the seed's `health_checks`). */
export const healthChecks = sqliteTable(
  'health_checks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    healthCheckUuid: text('health_check_uuid').notNull().unique(),
    triggerType: text('trigger_type').$type<TriggerType>().notNull(),
    triggerSource: text('trigger_source'),
    status: text('status').$type<RunStatus>().default('running'),
    totalWorkers: integer('total_workers').default(0),
    completedWorkers: integer('completed_workers').default(0),
    passedWorkers: integer('passed_workers').default(0),
    failedWorkers: integer('failed_workers').default(0),
    overallHealthScore: real('overall_health_score').default(0.0),
    aiAnalysis: text('ai_analysis'),
    aiRecommendations: text('ai_recommendations'),
    startedAt: datetime('started_at').default(sql`CURRENT_TIMESTAMP`),
    completedAt: datetime('completed_at'),
    timeoutAt: datetime('timeout_at'),
    createdAt: datetime('created_at').default(sql`CURRENT_TIMESTAMP`),

    /** Who wrote the analysis: JSON `{ analyser, model, unavailable }` (operations/analysis-columns.ts). */
    analysisSource: text('analysis_source'),
    /** The ranked recommendations with severity and worker: JSON `[{ severity, workerName, text, kind }]`. */
    recommendationDetails: text('recommendation_details'),
    /**
     * Which workers the run checked, as one key (domain/worker-set.ts), written at finalisation:
     * runs with the same key checked the same workers, so their scores compare like for like.
     */
    workerSetKey: text('worker_set_key'),
  },
  (table) => [
    // History pages are newest first (by id) and filter by trigger type or status.
    index('health_checks_trigger_type_id_idx').on(table.triggerType, table.id),
    index('health_checks_status_id_idx').on(table.status, table.id),
    // Earlier runs of the same workers, newest first.
    index('health_checks_worker_set_key_id_idx').on(table.workerSetKey, table.id),
  ],
);

export type HealthCheckRow = typeof healthChecks.$inferSelect;
