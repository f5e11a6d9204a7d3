CREATE TABLE `backup_policies` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`frequency` text NOT NULL,
	`cron` text,
	`window_start_minute` integer,
	`window_minutes` integer,
	`objects` text DEFAULT '[]' NOT NULL,
	`enabled` integer NOT NULL,
	`anchor_at` integer NOT NULL,
	`next_run_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `backup_policies_next_run` ON `backup_policies` (`next_run_at`);--> statement-breakpoint
CREATE TABLE `retention_policies` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`keep_all_days` integer NOT NULL,
	`daily_weeks` integer NOT NULL,
	`weekly_months` integer NOT NULL,
	`keep_last` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `scheduled_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`scheduled_for` integer NOT NULL,
	`claimed_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`reason` text,
	`job_id` text,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scheduled_runs_slot` ON `scheduled_runs` (`instance_id`,`scheduled_for`);--> statement-breakpoint
CREATE INDEX `scheduled_runs_instance_claimed` ON `scheduled_runs` (`instance_id`,`claimed_at`);--> statement-breakpoint
ALTER TABLE `grants` ADD `salesforce_user_id` text;--> statement-breakpoint
ALTER TABLE `grants` ADD `login_url` text;--> statement-breakpoint
ALTER TABLE `grants` ADD `checked_at` integer;--> statement-breakpoint
ALTER TABLE `grants` ADD `tokens_low_at` integer;--> statement-breakpoint
CREATE INDEX `grants_salesforce_user` ON `grants` (`salesforce_user_id`);