ALTER TABLE `jobs` ADD `token_id` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `access_token_ciphertext` text;