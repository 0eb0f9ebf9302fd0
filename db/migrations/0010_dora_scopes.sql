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
DROP INDEX `dora_facts_day_idx`;--> statement-breakpoint
DROP INDEX `dora_facts_lead_idx`;--> statement-breakpoint
DROP INDEX `dora_facts_week_lead_idx`;--> statement-breakpoint
ALTER TABLE `dora_facts` ADD `workflow_id` text;--> statement-breakpoint
ALTER TABLE `dora_facts` ADD `platform` text;--> statement-breakpoint
ALTER TABLE `dora_facts` ADD `recovery_ms` integer;--> statement-breakpoint
ALTER TABLE `dora_facts` ADD `tier_recovery_ms` integer;--> statement-breakpoint
CREATE INDEX `dora_facts_workflow_lead_idx` ON `dora_facts` (`workflow_id`,`lead_ms`,`deployed_at`,`platform`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_platform_lead_idx` ON `dora_facts` (`platform`,`lead_ms`,`deployed_at`,`workflow_id`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_tier_lead_idx` ON `dora_facts` (`risk_tier`,`lead_ms`,`deployed_at`,`workflow_id`,`platform`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_recovery_idx` ON `dora_facts` (`deployed_at`,`recovery_ms`,`workflow_id`,`platform`,`risk_tier`,`agent_id`) WHERE "dora_facts"."recovery_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_tier_recovery_idx` ON `dora_facts` (`risk_tier`,`deployed_at`,`tier_recovery_ms`,`workflow_id`,`platform`,`agent_id`) WHERE "dora_facts"."tier_recovery_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_day_idx` ON `dora_facts` (`day`,`workflow_id`,`platform`,`deployed_at`,`release`,`rework`,`failed`,`restored_at`,`tier_failed`,`tier_restored_at`,`lead_ms`,`risk_tier`,`agent_id`);--> statement-breakpoint
CREATE INDEX `dora_facts_lead_idx` ON `dora_facts` (`lead_ms`,`deployed_at`,`workflow_id`,`platform`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `dora_facts_week_lead_idx` ON `dora_facts` (`week`,`lead_ms`,`deployed_at`,`workflow_id`,`platform`,`risk_tier`,`agent_id`) WHERE "dora_facts"."lead_ms" IS NOT NULL;