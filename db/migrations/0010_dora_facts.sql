CREATE TABLE `dora_days` (
	`day` integer NOT NULL,
	`workflow_id` text NOT NULL,
	`platform` text NOT NULL,
	`risk_tier` text NOT NULL,
	`releases` integer NOT NULL,
	`failed` integer NOT NULL,
	`unrecovered` integer NOT NULL,
	`tier_failed` integer NOT NULL,
	`tier_unrecovered` integer NOT NULL,
	`unplanned` integer NOT NULL,
	`total` integer NOT NULL,
	`leads` integer NOT NULL,
	PRIMARY KEY(`day`, `workflow_id`, `platform`, `risk_tier`)
);
--> statement-breakpoint
CREATE INDEX `dora_days_sums_idx` ON `dora_days` (`day`,`workflow_id`,`platform`,`risk_tier`,`releases`,`failed`,`unrecovered`,`tier_failed`,`tier_unrecovered`,`unplanned`,`total`,`leads`);--> statement-breakpoint
CREATE TABLE `dora_facts` (
	`deployment_id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`workflow_id` text,
	`platform` text,
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
	`recovery_ms` integer,
	`tier_failed` integer NOT NULL,
	`tier_rolled_back_by` text,
	`tier_restored_at` integer,
	`tier_restored_how` text,
	`tier_recovery_ms` integer
);
--> statement-breakpoint
CREATE INDEX `dora_facts_day_idx` ON `dora_facts` (`day`,`workflow_id`,`platform`,`deployed_at`,`release`,`rework`,`failed`,`restored_at`,`tier_failed`,`tier_restored_at`,`lead_ms`,`risk_tier`,`agent_id`);--> statement-breakpoint
CREATE INDEX `dora_facts_lead_idx` ON `dora_facts` (`lead_ms`,`deployed_at`,`workflow_id`,`platform`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_workflow_lead_idx` ON `dora_facts` (`workflow_id`,`lead_ms`,`deployed_at`,`platform`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_platform_lead_idx` ON `dora_facts` (`platform`,`lead_ms`,`deployed_at`,`workflow_id`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_tier_lead_idx` ON `dora_facts` (`risk_tier`,`lead_ms`,`deployed_at`,`workflow_id`,`platform`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_week_lead_idx` ON `dora_facts` (`week`,`lead_ms`,`deployed_at`,`workflow_id`,`platform`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_recovery_idx` ON `dora_facts` (`deployed_at`,`recovery_ms`,`workflow_id`,`platform`,`risk_tier`,`agent_id`) WHERE "dora_facts"."recovery_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_tier_recovery_idx` ON `dora_facts` (`risk_tier`,`deployed_at`,`tier_recovery_ms`,`workflow_id`,`platform`,`agent_id`) WHERE "dora_facts"."tier_recovery_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_agent_idx` ON `dora_facts` (`agent_id`,`deployed_at`);