CREATE TABLE `audit_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`organisation_id` text,
	`actor_kind` text NOT NULL,
	`actor_name` text NOT NULL,
	`actor_key_id` text,
	`actor_role` text,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`outcome` text NOT NULL,
	`detail` text,
	`client_address` text
);
--> statement-breakpoint
CREATE INDEX `audit_entries_organisation` ON `audit_entries` (`organisation_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_entries_at` ON `audit_entries` (`at`);