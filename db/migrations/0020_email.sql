CREATE TABLE `email_preferences` (
	`user_id` text PRIMARY KEY NOT NULL,
	`delivery` text NOT NULL,
	`kinds` text NOT NULL,
	`digest_hour` integer NOT NULL,
	`digest_since` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "email_preferences_delivery_check" CHECK("delivery" IN ('immediate', 'daily_digest', 'off')),
	CONSTRAINT "email_preferences_digest_hour_check" CHECK("digest_hour" BETWEEN 0 AND 23)
);
--> statement-breakpoint
CREATE TABLE `mail_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`purpose` text NOT NULL,
	`user_id` text,
	`to_address` text NOT NULL,
	`subject` text NOT NULL,
	`text_body` text NOT NULL,
	`html_body` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_until` integer,
	`claim_token` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "mail_outbox_purpose_check" CHECK("purpose" IN ('notification', 'digest', 'invite', 'reset')),
	CONSTRAINT "mail_outbox_status_check" CHECK("status" IN ('pending', 'sent', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `mail_outbox_due_idx` ON `mail_outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `mail_outbox_created_idx` ON `mail_outbox` (`created_at`);