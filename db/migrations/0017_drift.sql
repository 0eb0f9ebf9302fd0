CREATE TABLE `drift_records` (
	`id` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`state` text NOT NULL,
	`severity` text NOT NULL,
	`reasons` text NOT NULL,
	`diff` text NOT NULL,
	`approved_version_id` text,
	`observed_spec` text,
	`observed_spec_hash` text,
	`opened_at` integer NOT NULL,
	`last_observed_at` integer NOT NULL,
	`resolution` text,
	`resolution_reason` text,
	`resolved_by_id` text,
	`resolved_at` integer,
	`accepted_until` integer,
	`change_record_id` text,
	`closed_at` integer,
	`closed_reason` text,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`approved_version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`resolved_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`change_record_id`) REFERENCES `change_records`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "drift_records_state_check" CHECK("state" IN ('open', 'closed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `drift_records_number_unique` ON `drift_records` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `drift_records_open_unique` ON `drift_records` (`agent_id`,`environment`) WHERE "state" = 'open';--> statement-breakpoint
CREATE INDEX `drift_records_state_idx` ON `drift_records` (`state`,`opened_at`);--> statement-breakpoint
CREATE INDEX `drift_records_agent_idx` ON `drift_records` (`agent_id`,`opened_at`);--> statement-breakpoint
CREATE TABLE `observations` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`spec` text,
	`spec_hash` text,
	`source` text NOT NULL,
	`observed_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`reported_by_id` text,
	`reported_by_token_id` text,
	`deployed_version_id` text,
	`in_sync` integer NOT NULL,
	`drift_record_id` text,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reported_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reported_by_token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deployed_version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`drift_record_id`) REFERENCES `drift_records`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `observations_agent_env_idx` ON `observations` (`agent_id`,`environment`,`observed_at`);--> statement-breakpoint
CREATE INDEX `observations_drift_idx` ON `observations` (`drift_record_id`,`observed_at`);--> statement-breakpoint
ALTER TABLE `notifications` ADD `drift_record_id` text REFERENCES drift_records(id);