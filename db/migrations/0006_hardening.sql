ALTER TABLE `api_keys` ADD `last_used_at` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `revoked_at` integer;--> statement-breakpoint
ALTER TABLE `oauth_states` ADD `pending_grant_ciphertext` text;--> statement-breakpoint
ALTER TABLE `oauth_states` ADD `code_hash` text;