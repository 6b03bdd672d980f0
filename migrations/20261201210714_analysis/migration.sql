ALTER TABLE `health_checks` ADD `analysis_source` text;--> statement-breakpoint
ALTER TABLE `health_checks` ADD `recommendation_details` text;--> statement-breakpoint
ALTER TABLE `health_checks` ADD `worker_set_key` text;--> statement-breakpoint
ALTER TABLE `worker_health_checks` ADD `analysis_source` text;--> statement-breakpoint
ALTER TABLE `worker_health_checks` ADD `recommendation_details` text;--> statement-breakpoint
CREATE INDEX `health_checks_worker_set_key_id_idx` ON `health_checks` (`worker_set_key`,`id`);