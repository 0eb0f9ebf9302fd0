PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_email_preferences` (
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
INSERT INTO `__new_email_preferences`("user_id", "delivery", "kinds", "digest_hour", "digest_since", "updated_at") SELECT "user_id", "delivery", "kinds", "digest_hour", "digest_since", "updated_at" FROM `email_preferences`;--> statement-breakpoint
DROP TABLE `email_preferences`;--> statement-breakpoint
ALTER TABLE `__new_email_preferences` RENAME TO `email_preferences`;--> statement-breakpoint
PRAGMA foreign_keys=ON;