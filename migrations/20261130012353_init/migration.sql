CREATE TABLE `api_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL UNIQUE,
	`role` text NOT NULL,
	`key_hash` text NOT NULL UNIQUE,
	`key_prefix` text NOT NULL,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	`last_used_at` DATETIME,
	`revoked_at` DATETIME
);
--> statement-breakpoint
CREATE TABLE `health_check_schedules` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL UNIQUE,
	`cron_expression` text NOT NULL,
	`enabled` BOOLEAN DEFAULT TRUE,
	`timeout_minutes` integer DEFAULT 30,
	`include_unit_tests` BOOLEAN DEFAULT TRUE,
	`include_performance_tests` BOOLEAN DEFAULT TRUE,
	`include_integration_tests` BOOLEAN DEFAULT TRUE,
	`worker_filters` text,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP,
	`updated_at` DATETIME DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
CREATE TABLE `health_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`health_check_uuid` text NOT NULL UNIQUE,
	`trigger_type` text NOT NULL,
	`trigger_source` text,
	`status` text DEFAULT 'running',
	`total_workers` integer DEFAULT 0,
	`completed_workers` integer DEFAULT 0,
	`passed_workers` integer DEFAULT 0,
	`failed_workers` integer DEFAULT 0,
	`overall_health_score` real DEFAULT 0,
	`ai_analysis` text,
	`ai_recommendations` text,
	`started_at` DATETIME DEFAULT CURRENT_TIMESTAMP,
	`completed_at` DATETIME,
	`timeout_at` DATETIME,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP
);
--> statement-breakpoint
CREATE TABLE `worker_health_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`worker_check_uuid` text NOT NULL UNIQUE,
	`health_check_uuid` text NOT NULL,
	`worker_name` text NOT NULL,
	`worker_type` text NOT NULL,
	`status` text DEFAULT 'pending',
	`overall_status` text,
	`health_score` real DEFAULT 0,
	`uptime_seconds` integer,
	`memory_usage_mb` real,
	`cpu_usage_percent` real,
	`response_time_ms` integer,
	`orchestrator_connectivity` BOOLEAN DEFAULT FALSE,
	`external_api_connectivity` BOOLEAN DEFAULT FALSE,
	`database_connectivity` BOOLEAN DEFAULT FALSE,
	`unit_tests_total` integer DEFAULT 0,
	`unit_tests_passed` integer DEFAULT 0,
	`unit_tests_failed` integer DEFAULT 0,
	`unit_test_results` text,
	`performance_tests_total` integer DEFAULT 0,
	`performance_tests_passed` integer DEFAULT 0,
	`performance_tests_failed` integer DEFAULT 0,
	`performance_test_results` text,
	`integration_tests_total` integer DEFAULT 0,
	`integration_tests_passed` integer DEFAULT 0,
	`integration_tests_failed` integer DEFAULT 0,
	`integration_test_results` text,
	`error_message` text,
	`warnings` text,
	`raw_results` text,
	`ai_worker_analysis` text,
	`ai_worker_recommendations` text,
	`requested_at` DATETIME DEFAULT CURRENT_TIMESTAMP,
	`started_at` DATETIME,
	`completed_at` DATETIME,
	CONSTRAINT `fk_worker_health_checks_health_check_uuid_health_checks_health_check_uuid_fk` FOREIGN KEY (`health_check_uuid`) REFERENCES `health_checks`(`health_check_uuid`)
);
--> statement-breakpoint
CREATE TABLE `workers` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL UNIQUE,
	`type` text NOT NULL,
	`binding` text,
	`url` text,
	`enabled` BOOLEAN DEFAULT TRUE NOT NULL,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	`updated_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	CONSTRAINT "workers_reached_one_way" CHECK(("binding" IS NULL) <> ("url" IS NULL))
);
--> statement-breakpoint
CREATE INDEX `health_checks_trigger_type_id_idx` ON `health_checks` (`trigger_type`,`id`);--> statement-breakpoint
CREATE INDEX `health_checks_status_id_idx` ON `health_checks` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `worker_health_checks_health_check_uuid_idx` ON `worker_health_checks` (`health_check_uuid`);--> statement-breakpoint
CREATE INDEX `worker_health_checks_worker_name_id_idx` ON `worker_health_checks` (`worker_name`,`id`);