CREATE TABLE `agent_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`number` integer NOT NULL,
	`spec` text NOT NULL,
	`spec_hash` text NOT NULL,
	`autonomy` text NOT NULL,
	`created_by_id` text,
	`change_record_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`change_record_id`) REFERENCES `change_records`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_versions_agent_number_unique` ON `agent_versions` (`agent_id`,`number`);--> statement-breakpoint
CREATE INDEX `agent_versions_hash_idx` ON `agent_versions` (`spec_hash`);--> statement-breakpoint
CREATE TABLE `agents` (
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
	CONSTRAINT "agents_status_check" CHECK("status" IN ('active', 'retired'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agents_slug_unique` ON `agents` (`slug`);--> statement-breakpoint
CREATE INDEX `agents_name_idx` ON `agents` (`name`);--> statement-breakpoint
CREATE INDEX `agents_platform_idx` ON `agents` (`platform`);--> statement-breakpoint
CREATE INDEX `agents_workflow_idx` ON `agents` (`workflow_id`);--> statement-breakpoint
CREATE INDEX `agents_status_idx` ON `agents` (`status`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_by_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`actor_label` text NOT NULL,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`payload` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_events_entity_idx` ON `audit_events` (`entity_type`,`entity_id`);--> statement-breakpoint
CREATE INDEX `audit_events_at_idx` ON `audit_events` (`at`);--> statement-breakpoint
CREATE INDEX `audit_events_actor_idx` ON `audit_events` (`actor_id`);--> statement-breakpoint
CREATE TABLE `change_records` (
	`id` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`agent_id` text NOT NULL,
	`title` text NOT NULL,
	`rationale` text DEFAULT '' NOT NULL,
	`state` text NOT NULL,
	`author_id` text NOT NULL,
	`base_version_id` text,
	`head_version_id` text,
	`draft_spec_text` text,
	`role_impacts` text DEFAULT '[]' NOT NULL,
	`harm_metrics` text DEFAULT '[]' NOT NULL,
	`evidence` text DEFAULT '{}' NOT NULL,
	`rollback_plan` text DEFAULT '' NOT NULL,
	`rollback_owner_id` text,
	`monitoring` text DEFAULT '' NOT NULL,
	`emergency` integer DEFAULT false NOT NULL,
	`emergency_justification` text,
	`standard_change` text,
	`risk_tier` text,
	`risk_reasons` text DEFAULT '[]' NOT NULL,
	`tier_raised_reason` text,
	`content_hash` text,
	`policy_version` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`submitted_at` integer,
	`approved_at` integer,
	`released_at` integer,
	`closed_at` integer,
	`retro_signoff_due_at` integer,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`base_version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`head_version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`rollback_owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "change_records_state_check" CHECK("state" IN ('draft', 'in_review', 'approved', 'released', 'rejected', 'withdrawn', 'rolled_back'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `change_records_number_unique` ON `change_records` (`number`);--> statement-breakpoint
CREATE INDEX `change_records_agent_idx` ON `change_records` (`agent_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `change_records_state_idx` ON `change_records` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `change_records_author_idx` ON `change_records` (`author_id`);--> statement-breakpoint
CREATE INDEX `change_records_tier_idx` ON `change_records` (`risk_tier`);--> statement-breakpoint
CREATE INDEX `change_records_created_idx` ON `change_records` (`created_at`);--> statement-breakpoint
CREATE TABLE `deployments` (
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
	CONSTRAINT "deployments_kind_check" CHECK("kind" IN ('promote', 'rollback', 'emergency'))
);
--> statement-breakpoint
CREATE INDEX `deployments_agent_env_idx` ON `deployments` (`agent_id`,`environment`,`deployed_at`);--> statement-breakpoint
CREATE INDEX `deployments_env_time_idx` ON `deployments` (`environment`,`deployed_at`);--> statement-breakpoint
CREATE INDEX `deployments_change_idx` ON `deployments` (`change_record_id`);--> statement-breakpoint
CREATE TABLE `eval_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`change_record_id` text,
	`spec_hash` text NOT NULL,
	`environment` text NOT NULL,
	`suite` text NOT NULL,
	`passed` integer NOT NULL,
	`failed` integer NOT NULL,
	`regressions` integer DEFAULT 0 NOT NULL,
	`report_url` text,
	`recorded_at` integer NOT NULL,
	`recorded_by_id` text,
	`recorded_by_token_id` text,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`change_record_id`) REFERENCES `change_records`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recorded_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recorded_by_token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `eval_runs_agent_hash_idx` ON `eval_runs` (`agent_id`,`spec_hash`,`environment`);--> statement-breakpoint
CREATE INDEX `eval_runs_recorded_idx` ON `eval_runs` (`recorded_at`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`deployment_id` text,
	`severity` text NOT NULL,
	`title` text NOT NULL,
	`detected_at` integer NOT NULL,
	`resolved_at` integer,
	`resolution` text,
	`fix_change_record_id` text,
	`opened_by_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`fix_change_record_id`) REFERENCES `change_records`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`opened_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "incidents_severity_check" CHECK("severity" IN ('sev1', 'sev2', 'sev3', 'sev4'))
);
--> statement-breakpoint
CREATE INDEX `incidents_agent_idx` ON `incidents` (`agent_id`,`detected_at`);--> statement-breakpoint
CREATE INDEX `incidents_detected_idx` ON `incidents` (`detected_at`);--> statement-breakpoint
CREATE INDEX `incidents_deployment_idx` ON `incidents` (`deployment_id`);--> statement-breakpoint
CREATE TABLE `observations` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`environment` text NOT NULL,
	`spec` text NOT NULL,
	`spec_hash` text NOT NULL,
	`source` text NOT NULL,
	`observed_at` integer NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`resolved_at` integer,
	`resolved_by_id` text,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`resolved_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `observations_agent_env_idx` ON `observations` (`agent_id`,`environment`,`observed_at`);--> statement-breakpoint
CREATE INDEX `observations_status_idx` ON `observations` (`status`);--> statement-breakpoint
CREATE TABLE `policies` (
	`id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`document` text NOT NULL,
	`created_by_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policies_version_unique` ON `policies` (`version`);--> statement-breakpoint
CREATE TABLE `runtime_signals` (
	`id` text PRIMARY KEY NOT NULL,
	`agent_id` text NOT NULL,
	`version_id` text NOT NULL,
	`period_start` integer NOT NULL,
	`period_end` integer NOT NULL,
	`decisions` integer DEFAULT 0 NOT NULL,
	`tool_calls` integer DEFAULT 0 NOT NULL,
	`approvals_requested` integer DEFAULT 0 NOT NULL,
	`approvals_denied` integer DEFAULT 0 NOT NULL,
	`privilege_rejections` integer DEFAULT 0 NOT NULL,
	`user_corrections` integer DEFAULT 0 NOT NULL,
	`eval_failures` integer DEFAULT 0 NOT NULL,
	`business_metrics` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `runtime_signals_agent_period_idx` ON `runtime_signals` (`agent_id`,`period_start`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `signoffs` (
	`id` text PRIMARY KEY NOT NULL,
	`change_record_id` text NOT NULL,
	`role` text NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`signer_id` text,
	`comment` text,
	`content_hash` text,
	`decided_at` integer,
	`dismissed_at` integer,
	`dismissed_reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`change_record_id`) REFERENCES `change_records`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`signer_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "signoffs_status_check" CHECK("status" IN ('pending', 'approved', 'rejected', 'changes_requested', 'dismissed'))
);
--> statement-breakpoint
CREATE INDEX `signoffs_change_idx` ON `signoffs` (`change_record_id`);--> statement-breakpoint
CREATE INDEX `signoffs_role_status_idx` ON `signoffs` (`role`,`status`);--> statement-breakpoint
CREATE INDEX `signoffs_signer_idx` ON `signoffs` (`signer_id`);--> statement-breakpoint
CREATE TABLE `user_roles` (
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`user_id`, `role`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "user_roles_role_check" CHECK("role" IN ('workflow_owner', 'security', 'engineering', 'operations', 'compliance', 'leader', 'auditor', 'admin'))
);
--> statement-breakpoint
CREATE INDEX `user_roles_role_idx` ON `user_roles` (`role`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE TABLE `workflows` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`owner_id` text NOT NULL,
	`risk_class` text NOT NULL,
	`risk_reason` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "workflows_risk_check" CHECK("risk_class" IN ('low', 'medium', 'high', 'critical'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workflows_slug_unique` ON `workflows` (`slug`);