ALTER TABLE `signoffs` ADD `reviewed_version_id` text REFERENCES agent_versions(id);--> statement-breakpoint
ALTER TABLE `signoffs` ADD `reviewed_base_version_id` text REFERENCES agent_versions(id);--> statement-breakpoint
ALTER TABLE `signoffs` ADD `dismissed_status` text;