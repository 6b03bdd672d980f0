CREATE TABLE `alert_channels` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL UNIQUE,
	`kind` text NOT NULL,
	`url` text NOT NULL,
	`secret` text,
	`enabled` BOOLEAN DEFAULT TRUE NOT NULL,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	`updated_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`transition_id` integer NOT NULL,
	`alert_id` integer NOT NULL,
	`transition_kind` text NOT NULL,
	`channel_id` integer NOT NULL,
	`channel_name` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`claimed_at` DATETIME,
	`delivered_at` DATETIME,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	`updated_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_delivery_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`delivery_id` integer NOT NULL,
	`alert_id` integer NOT NULL,
	`channel_name` text NOT NULL,
	`attempt` integer NOT NULL,
	`status_code` integer,
	`latency_ms` integer NOT NULL,
	`error` text,
	`outcome` text NOT NULL,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL UNIQUE,
	`worker_filters` text DEFAULT '[]' NOT NULL,
	`fleet` BOOLEAN DEFAULT FALSE NOT NULL,
	`open_at` text,
	`score_below` real,
	`failure_threshold` integer DEFAULT 2 NOT NULL,
	`success_threshold` integer DEFAULT 2 NOT NULL,
	`reminder_minutes` integer,
	`flap_window` integer DEFAULT 10 NOT NULL,
	`flap_threshold` integer DEFAULT 4 NOT NULL,
	`channels` text DEFAULT '[]' NOT NULL,
	`enabled` BOOLEAN DEFAULT TRUE NOT NULL,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	`updated_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_transitions` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`alert_id` integer NOT NULL,
	`kind` text NOT NULL,
	`idempotency_key` text NOT NULL UNIQUE,
	`health_check_uuid` text,
	`health_status` text,
	`score` real,
	`payload` text NOT NULL,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`rule_id` integer NOT NULL,
	`rule_name` text NOT NULL,
	`subject` text NOT NULL,
	`worker_name` text,
	`status` text DEFAULT 'open' NOT NULL,
	`flapping` BOOLEAN DEFAULT FALSE NOT NULL,
	`health_status` text,
	`score` real,
	`affected_workers` text DEFAULT '[]' NOT NULL,
	`recommendations` text DEFAULT '[]' NOT NULL,
	`summary` text,
	`opened_health_check_uuid` text,
	`health_check_uuid` text,
	`opened_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	`acknowledged_at` DATETIME,
	`acknowledged_by` text,
	`resolved_at` DATETIME,
	`last_notified_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`last_transition_key` text
);
--> statement-breakpoint
CREATE TABLE `maintenance_windows` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL UNIQUE,
	`worker_filters` text DEFAULT '[]' NOT NULL,
	`starts_at` DATETIME,
	`ends_at` DATETIME,
	`cron_expression` text,
	`duration_minutes` integer,
	`time_zone` text DEFAULT 'UTC' NOT NULL,
	`created_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	`updated_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL,
	CONSTRAINT "maintenance_windows_one_off_or_recurring" CHECK(("starts_at" IS NOT NULL AND "ends_at" IS NOT NULL AND "cron_expression" IS NULL AND "duration_minutes" IS NULL) OR ("starts_at" IS NULL AND "ends_at" IS NULL AND "cron_expression" IS NOT NULL AND "duration_minutes" IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE `workers` ADD `depends_on` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `alert_deliveries_transition_channel_idx` ON `alert_deliveries` (`transition_id`,`channel_id`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_alert_channel_idx` ON `alert_deliveries` (`alert_id`,`channel_id`);--> statement-breakpoint
CREATE INDEX `alert_delivery_attempts_delivery_id_idx` ON `alert_delivery_attempts` (`delivery_id`);--> statement-breakpoint
CREATE INDEX `alert_transitions_alert_id_idx` ON `alert_transitions` (`alert_id`);--> statement-breakpoint
CREATE INDEX `alert_transitions_health_check_uuid_idx` ON `alert_transitions` (`health_check_uuid`);--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_one_unresolved_idx` ON `alerts` (`rule_id`,`subject`) WHERE "alerts"."status" <> 'resolved';--> statement-breakpoint
CREATE INDEX `alerts_status_id_idx` ON `alerts` (`status`,`id`);