CREATE TABLE `schedule_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`schedule_id` integer NOT NULL,
	`schedule_name` text NOT NULL,
	`due_at` DATETIME NOT NULL,
	`status` text NOT NULL,
	`catch_up` BOOLEAN DEFAULT FALSE NOT NULL,
	`health_check_uuid` text UNIQUE,
	`error` text,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL
);
--> statement-breakpoint
ALTER TABLE `health_check_schedules` ADD `time_zone` text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `schedule_runs_schedule_due_idx` ON `schedule_runs` (`schedule_id`,`due_at`);