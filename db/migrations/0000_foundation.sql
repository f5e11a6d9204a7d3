CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_secret_hash` ON `api_keys` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_organisation` ON `api_keys` (`organisation_id`);--> statement-breakpoint
CREATE TABLE `grants` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`refresh_token_ciphertext` text NOT NULL,
	`issued_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `grants_instance` ON `grants` (`instance_id`);--> statement-breakpoint
CREATE TABLE `instances` (
	`id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	`environment` text NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'NOT_CONNECTED' NOT NULL,
	`login_url` text NOT NULL,
	`instance_url` text,
	`salesforce_org_id` text,
	`salesforce_user_id` text,
	`username` text,
	`token_limit` integer NOT NULL,
	`current_grant_id` text,
	`last_authenticated_at` integer,
	`api_usage_used` integer,
	`api_usage_max` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `instances_organisation` ON `instances` (`organisation_id`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text DEFAULT 'QUEUED' NOT NULL,
	`objects` text DEFAULT '[]' NOT NULL,
	`parameters` text DEFAULT '{}' NOT NULL,
	`grant_id` text,
	`processed` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`total` integer,
	`api_calls` integer DEFAULT 0 NOT NULL,
	`error` text,
	`queued_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `jobs_instance_queued` ON `jobs` (`instance_id`,`queued_at`);--> statement-breakpoint
CREATE INDEX `jobs_organisation_queued` ON `jobs` (`organisation_id`,`queued_at`);--> statement-breakpoint
CREATE INDEX `jobs_status` ON `jobs` (`status`);--> statement-breakpoint
CREATE TABLE `oauth_states` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`organisation_id` text NOT NULL,
	`code_verifier_ciphertext` text NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `organisations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`grant_id` text NOT NULL,
	`position` integer NOT NULL,
	`status` text DEFAULT 'AVAILABLE' NOT NULL,
	`issued_at` integer NOT NULL,
	`used_at` integer,
	`job_id` text,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`grant_id`) REFERENCES `grants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tokens_instance` ON `tokens` (`instance_id`,`status`);--> statement-breakpoint
CREATE INDEX `tokens_grant` ON `tokens` (`grant_id`);