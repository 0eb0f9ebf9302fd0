CREATE TABLE `breaches` (
	`id` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`version_id` text NOT NULL,
	`change_record_id` text,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`detail` text NOT NULL,
	`value` real,
	`threshold` text,
	`occurrences` integer DEFAULT 1 NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`day` text,
	`trace_id` text,
	`span_id` text,
	`incident_id` text,
	`cleared_at` integer,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`change_record_id`) REFERENCES `change_records`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "breaches_kind_check" CHECK("kind" IN ('ungranted_action', 'forbidden_action', 'approval_skipped', 'limit_exceeded', 'harm_threshold'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `breaches_number_unique` ON `breaches` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `breaches_authority_day_unique` ON `breaches` (`agent_id`,`environment`,`version_id`,`kind`,`subject`,`day`) WHERE "kind" <> 'harm_threshold';--> statement-breakpoint
CREATE UNIQUE INDEX `breaches_harm_open_unique` ON `breaches` (`agent_id`,`environment`,`version_id`,`subject`) WHERE "kind" = 'harm_threshold' AND "cleared_at" IS NULL;--> statement-breakpoint
CREATE INDEX `breaches_agent_idx` ON `breaches` (`agent_id`,`first_at`);--> statement-breakpoint
CREATE INDEX `breaches_change_idx` ON `breaches` (`change_record_id`);--> statement-breakpoint
CREATE TABLE `business_signals` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`version_id` text,
	`metric` text NOT NULL,
	`value` real NOT NULL,
	`at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`reported_by_id` text,
	`reported_by_token_id` text,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reported_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`reported_by_token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `business_signals_metric_idx` ON `business_signals` (`agent_id`,`environment`,`metric`,`at`);--> statement-breakpoint
CREATE TABLE `runtime_action_hours` (
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`version_id` text NOT NULL,
	`hour` integer NOT NULL,
	`action` text NOT NULL,
	`calls` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`privilege_rejections` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`agent_id`, `environment`, `version_id`, `hour`, `action`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `runtime_hours` (
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`version_id` text NOT NULL,
	`hour` integer NOT NULL,
	`decisions` integer DEFAULT 0 NOT NULL,
	`tool_calls` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`approvals_requested` integer DEFAULT 0 NOT NULL,
	`approvals_granted` integer DEFAULT 0 NOT NULL,
	`approvals_denied` integer DEFAULT 0 NOT NULL,
	`privilege_rejections` integer DEFAULT 0 NOT NULL,
	`corrections` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`agent_id`, `environment`, `version_id`, `hour`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `runtime_hours_agent_hour_idx` ON `runtime_hours` (`agent_id`,`hour`);--> statement-breakpoint
CREATE TABLE `runtime_seen_spans` (
	`key` text PRIMARY KEY NOT NULL,
	`seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runtime_seen_spans_seen_idx` ON `runtime_seen_spans` (`seen_at`);--> statement-breakpoint
CREATE TABLE `runtime_traces` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`version_id` text NOT NULL,
	`trace_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`breach` integer DEFAULT false NOT NULL,
	`spans` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runtime_traces_trace_unique` ON `runtime_traces` (`agent_id`,`trace_id`);--> statement-breakpoint
CREATE INDEX `runtime_traces_version_idx` ON `runtime_traces` (`agent_id`,`version_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `runtime_traces_expires_idx` ON `runtime_traces` (`expires_at`);--> statement-breakpoint
ALTER TABLE `agents` ADD `runtime_names` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `notifications` ADD `breach_id` text REFERENCES breaches(id);