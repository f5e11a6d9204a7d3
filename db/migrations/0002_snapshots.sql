CREATE TABLE `job_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` text NOT NULL,
	`object` text NOT NULL,
	`record_id` text,
	`status_code` text NOT NULL,
	`message` text NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_failures_job` ON `job_failures` (`job_id`);--> statement-breakpoint
CREATE TABLE `record_versions` (
	`hash` text PRIMARY KEY NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `snapshot_objects` (
	`snapshot_id` text NOT NULL,
	`name` text NOT NULL,
	`record_count` integer NOT NULL,
	`deleted_count` integer NOT NULL,
	`high_water_mark` text,
	PRIMARY KEY(`snapshot_id`, `name`),
	FOREIGN KEY (`snapshot_id`) REFERENCES `snapshots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `snapshot_records` (
	`snapshot_id` text NOT NULL,
	`object` text NOT NULL,
	`record_id` text NOT NULL,
	`version_hash` text NOT NULL,
	`deleted` integer NOT NULL,
	PRIMARY KEY(`snapshot_id`, `object`, `record_id`),
	FOREIGN KEY (`snapshot_id`) REFERENCES `snapshots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`job_id` text NOT NULL,
	`base_snapshot_id` text,
	`sequence` integer NOT NULL,
	`completed_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `snapshots_instance` ON `snapshots` (`instance_id`,`sequence`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `snapshot_id` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `warnings` text DEFAULT '[]' NOT NULL;