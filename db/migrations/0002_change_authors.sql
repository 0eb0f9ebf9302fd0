PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_change_records` (
	`id` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`agent_id` text NOT NULL,
	`title` text NOT NULL,
	`rationale` text DEFAULT '' NOT NULL,
	`state` text NOT NULL,
	`author_id` text,
	`author_token_id` text,
	`raised_tier` text,
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
	FOREIGN KEY (`author_token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`base_version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`head_version_id`) REFERENCES `agent_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`rollback_owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "change_records_state_check" CHECK("state" IN ('draft', 'in_review', 'approved', 'released', 'rejected', 'withdrawn', 'rolled_back')),
	CONSTRAINT "change_records_author_check" CHECK(("author_id" IS NULL) <> ("author_token_id" IS NULL))
);
--> statement-breakpoint
INSERT INTO `__new_change_records`("id", "number", "agent_id", "title", "rationale", "state", "author_id", "base_version_id", "head_version_id", "draft_spec_text", "role_impacts", "harm_metrics", "evidence", "rollback_plan", "rollback_owner_id", "monitoring", "emergency", "emergency_justification", "standard_change", "risk_tier", "risk_reasons", "tier_raised_reason", "content_hash", "policy_version", "created_at", "updated_at", "submitted_at", "approved_at", "released_at", "closed_at", "retro_signoff_due_at") SELECT "id", "number", "agent_id", "title", "rationale", "state", "author_id", "base_version_id", "head_version_id", "draft_spec_text", "role_impacts", "harm_metrics", "evidence", "rollback_plan", "rollback_owner_id", "monitoring", "emergency", "emergency_justification", "standard_change", "risk_tier", "risk_reasons", "tier_raised_reason", "content_hash", "policy_version", "created_at", "updated_at", "submitted_at", "approved_at", "released_at", "closed_at", "retro_signoff_due_at" FROM `change_records`;--> statement-breakpoint
DROP TABLE `change_records`;--> statement-breakpoint
ALTER TABLE `__new_change_records` RENAME TO `change_records`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `change_records_number_unique` ON `change_records` (`number`);--> statement-breakpoint
CREATE INDEX `change_records_agent_idx` ON `change_records` (`agent_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `change_records_state_idx` ON `change_records` (`state`,`created_at`);--> statement-breakpoint
CREATE INDEX `change_records_author_idx` ON `change_records` (`author_id`);--> statement-breakpoint
CREATE INDEX `change_records_tier_idx` ON `change_records` (`risk_tier`);--> statement-breakpoint
CREATE INDEX `change_records_created_idx` ON `change_records` (`created_at`);