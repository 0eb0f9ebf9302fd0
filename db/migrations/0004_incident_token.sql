ALTER TABLE `incidents` ADD `opened_by_token_id` text REFERENCES api_tokens(id);--> statement-breakpoint
CREATE INDEX `incidents_open_idx` ON `incidents` (`resolved_at`,`severity`);