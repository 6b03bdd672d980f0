CREATE TABLE `webhook_deliveries` (
	`webhook_id` text PRIMARY KEY,
	`worker_check_uuid` text NOT NULL,
	`received_at` DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_received_at_idx` ON `webhook_deliveries` (`received_at`);