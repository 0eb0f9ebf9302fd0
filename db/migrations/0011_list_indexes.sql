DROP INDEX `agents_name_idx`;--> statement-breakpoint
DROP INDEX `agents_status_idx`;--> statement-breakpoint
CREATE INDEX `agents_name_idx` ON `agents` ("name" COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `agents_status_idx` ON `agents` (`status`,"name" COLLATE NOCASE);--> statement-breakpoint
DROP INDEX `change_records_agent_idx`;--> statement-breakpoint
DROP INDEX `change_records_state_idx`;--> statement-breakpoint
DROP INDEX `change_records_tier_idx`;--> statement-breakpoint
DROP INDEX `change_records_created_idx`;--> statement-breakpoint
CREATE INDEX `change_records_retro_idx` ON `change_records` (`state`,`retro_signoff_due_at`);--> statement-breakpoint
CREATE INDEX `change_records_agent_state_idx` ON `change_records` (`agent_id`,`state`);--> statement-breakpoint
CREATE INDEX `change_records_agent_idx` ON `change_records` (`agent_id`,`created_at`,`number`);--> statement-breakpoint
CREATE INDEX `change_records_state_idx` ON `change_records` (`state`,`created_at`,`number`);--> statement-breakpoint
CREATE INDEX `change_records_tier_idx` ON `change_records` (`risk_tier`,`created_at`,`number`);--> statement-breakpoint
CREATE INDEX `change_records_created_idx` ON `change_records` (`created_at`,`number`);--> statement-breakpoint
CREATE INDEX `audit_events_action_idx` ON `audit_events` (`action`);--> statement-breakpoint
CREATE INDEX `incidents_list_idx` ON `incidents` (("resolved_at" IS NULL),`detected_at`);