// Every table, for drizzle-kit (drizzle.config.ts) and for defineRelations.
export { apiKeys } from './api-keys';
export { healthCheckSchedules } from './health-check-schedules';
export { healthChecks } from './health-checks';
export { scheduleRuns } from './schedule-runs';
export { workerHealthChecks } from './worker-health-checks';
export { workers } from './workers';
export { webhookDeliveries } from './webhook-deliveries';
export { alertChannels } from './alert-channels';
export { alertRules } from './alert-rules';
export { maintenanceWindows } from './alert-maintenance-windows';
export { alerts } from './alerts';
export { alertTransitions } from './alert-transitions';
export { alertDeliveries, alertDeliveryAttempts } from './alert-deliveries';
