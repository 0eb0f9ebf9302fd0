CREATE TABLE `dora_facts` (
	`deployment_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`deployed_at` integer NOT NULL,
	`day` integer NOT NULL,
	`week` integer NOT NULL,
	`release` integer NOT NULL,
	`change_record_id` text,
	`risk_tier` text,
	`lead_ms` integer,
	`rework` text,
	`detected_at` integer,
	`failed` integer NOT NULL,
	`rolled_back_by` text,
	`restored_at` integer,
	`restored_how` text,
	`tier_failed` integer NOT NULL,
	`tier_rolled_back_by` text,
	`tier_restored_at` integer,
	`tier_restored_how` text
);
--> statement-breakpoint
CREATE INDEX `dora_facts_day_idx` ON `dora_facts` (`day`,`deployed_at`,`release`,`rework`,`failed`,`restored_at`,`detected_at`,`tier_failed`,`tier_restored_at`,`lead_ms`,`risk_tier`,`agent_id`);--> statement-breakpoint
CREATE INDEX `dora_facts_lead_idx` ON `dora_facts` (`lead_ms`,`deployed_at`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_week_lead_idx` ON `dora_facts` (`week`,`lead_ms`,`deployed_at`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_agent_idx` ON `dora_facts` (`agent_id`,`deployed_at`);