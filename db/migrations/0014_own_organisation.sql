CREATE TABLE `account_links` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`purpose` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_by_id` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "account_links_purpose_check" CHECK("purpose" IN ('invite', 'reset'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_links_hash_unique` ON `account_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `account_links_user_idx` ON `account_links` (`user_id`,`purpose`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_agents` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`platform` text NOT NULL,
	`workflow_id` text NOT NULL,
	`engineering_owner_id` text NOT NULL,
	`rollback_owner_id` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`last_reviewed_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`engineering_owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`rollback_owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "agents_platform_check" CHECK("platform" IN ('salesforce-agentforce', 'copilot-studio', 'openai-agents', 'langgraph', 'servicenow', 'bedrock-agents', 'custom')),
	CONSTRAINT "agents_status_check" CHECK("status" IN ('proposed', 'active', 'withdrawn', 'retired'))
);
--> statement-breakpoint
INSERT INTO `__new_agents`("id", "slug", "name", "description", "platform", "workflow_id", "engineering_owner_id", "rollback_owner_id", "status", "last_reviewed_at", "created_at") SELECT "id", "slug", "name", "description", "platform", "workflow_id", "engineering_owner_id", "rollback_owner_id", "status", "last_reviewed_at", "created_at" FROM `agents`;--> statement-breakpoint
DROP TABLE `agents`;--> statement-breakpoint
ALTER TABLE `__new_agents` RENAME TO `agents`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `agents_slug_unique` ON `agents` (`slug`);--> statement-breakpoint
CREATE INDEX `agents_name_idx` ON `agents` ("name" COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `agents_platform_idx` ON `agents` (`platform`);--> statement-breakpoint
CREATE INDEX `agents_workflow_idx` ON `agents` (`workflow_id`);--> statement-breakpoint
CREATE INDEX `agents_status_idx` ON `agents` (`status`,"name" COLLATE NOCASE);--> statement-breakpoint
CREATE TABLE `__new_deployments` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`version_id` text NOT NULL,
	`kind` text NOT NULL,
	`deployed_at` integer NOT NULL,
	`deployed_by_id` text,
	`deployed_by_token_id` text,
	`change_record_id` text,
	`replaced_version_id` text,
	`reason` text,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deployed_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deployed_by_token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`change_record_id`) REFERENCES `change_records`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`replaced_version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "deployments_environment_check" CHECK("environment" IN ('development', 'staging', 'production')),
	CONSTRAINT "deployments_kind_check" CHECK("kind" IN ('promote', 'rollback', 'emergency', 'retire'))
);
--> statement-breakpoint
INSERT INTO `__new_deployments`("id", "agent_id", "environment", "version_id", "kind", "deployed_at", "deployed_by_id", "deployed_by_token_id", "change_record_id", "replaced_version_id", "reason") SELECT "id", "agent_id", "environment", "version_id", "kind", "deployed_at", "deployed_by_id", "deployed_by_token_id", "change_record_id", "replaced_version_id", "reason" FROM `deployments`;--> statement-breakpoint
DROP TABLE `deployments`;--> statement-breakpoint
ALTER TABLE `__new_deployments` RENAME TO `deployments`;--> statement-breakpoint
CREATE INDEX `deployments_agent_env_idx` ON `deployments` (`agent_id`,`environment`,`deployed_at`);--> statement-breakpoint
CREATE INDEX `deployments_env_time_idx` ON `deployments` (`environment`,`deployed_at`);--> statement-breakpoint
CREATE INDEX `deployments_time_idx` ON `deployments` (`deployed_at`);--> statement-breakpoint
CREATE INDEX `deployments_change_idx` ON `deployments` (`change_record_id`);--> statement-breakpoint
ALTER TABLE `change_records` ADD `retire` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `change_records` ADD `assessed_workflow_class` text;--> statement-breakpoint
ALTER TABLE `change_records` ADD `reassessment_reason` text;--> statement-breakpoint
ALTER TABLE `users` ADD `last_signed_in_at` integer;--> statement-breakpoint
-- Changes assessed before this release were assessed under their workflow's class as it stands now.
UPDATE `change_records` SET `assessed_workflow_class` = (
  SELECT `workflows`.`risk_class` FROM `agents` JOIN `workflows` ON `workflows`.`id` = `agents`.`workflow_id`
  WHERE `agents`.`id` = `change_records`.`agent_id`
) WHERE `risk_tier` IS NOT NULL;
