-- The seed's default schedules ("Automated Scheduling"), with the seed's options: the rest of
-- each row takes the table's defaults (enabled, all three suites, every enabled worker, UTC).
--
-- Seeded here and only here. wrangler records every applied migration in d1_migrations and never
-- applies one twice, so a team that deletes or edits these schedules keeps its choice: no later
-- migration inserts them again. ON CONFLICT keeps a schedule of the same name that a team created
-- itself before upgrading. A later default schedule belongs in its own migration, never in this one.
INSERT INTO `health_check_schedules` (`name`, `cron_expression`, `timeout_minutes`)
VALUES ('daily_health_check', '0 2 * * *', 45), ('weekly_comprehensive', '0 1 * * 0', 90)
ON CONFLICT (`name`) DO NOTHING;
