DROP INDEX `signoffs_change_idx`;--> statement-breakpoint
CREATE INDEX `signoffs_status_change_idx` ON `signoffs` (`status`,`change_record_id`);--> statement-breakpoint
CREATE INDEX `signoffs_change_idx` ON `signoffs` (`change_record_id`,`signer_id`);--> statement-breakpoint
CREATE INDEX `change_records_open_retro_idx` ON `change_records` (`retro_signoff_due_at`) WHERE "state" = 'released' AND "retro_signoff_due_at" IS NOT NULL AND "approved_at" IS NULL;