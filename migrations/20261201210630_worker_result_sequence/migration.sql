ALTER TABLE `worker_health_checks` ADD `result_sequence` integer;--> statement-breakpoint
-- Worker checks already final get their run's numbers in the order they ended (then by id), after
-- STARTED's 1, as the run pipeline numbers them from now on (operations/events.ts). The window
-- is computed before any row changes, so every number is distinct within a run.
UPDATE `worker_health_checks` SET `result_sequence` = `numbered`.`sequence`
FROM (
  SELECT `id`, 1 + ROW_NUMBER() OVER (PARTITION BY `health_check_uuid` ORDER BY `completed_at`, `id`) AS `sequence`
  FROM `worker_health_checks`
  WHERE `status` IN ('completed', 'failed', 'timeout')
) AS `numbered`
WHERE `worker_health_checks`.`id` = `numbered`.`id`;--> statement-breakpoint
CREATE UNIQUE INDEX `worker_health_checks_result_sequence_idx` ON `worker_health_checks` (`health_check_uuid`,`result_sequence`);
