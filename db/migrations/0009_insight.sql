CREATE TABLE `data_alert_thresholds` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`percent` real NOT NULL,
	`min_records` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `data_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	`instance_id` text NOT NULL,
	`snapshot_id` text NOT NULL,
	`previous_snapshot_id` text NOT NULL,
	`objects` text NOT NULL,
	`percent` real NOT NULL,
	`min_records` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`acknowledged_at` integer,
	`acknowledged_by` text,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`snapshot_id`) REFERENCES `snapshots`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`previous_snapshot_id`) REFERENCES `snapshots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `data_alerts_snapshot` ON `data_alerts` (`snapshot_id`);--> statement-breakpoint
CREATE INDEX `data_alerts_instance` ON `data_alerts` (`instance_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `snapshot_change_sets` (
	`snapshot_id` text PRIMARY KEY NOT NULL,
	`since_snapshot_id` text NOT NULL,
	`own_rows` integer NOT NULL,
	FOREIGN KEY (`snapshot_id`) REFERENCES `snapshots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `snapshot_changes` (
	`snapshot_id` text NOT NULL,
	`object` text NOT NULL,
	`record_id` text NOT NULL,
	PRIMARY KEY(`snapshot_id`, `object`, `record_id`),
	FOREIGN KEY (`snapshot_id`) REFERENCES `snapshots`(`id`) ON UPDATE no action ON DELETE cascade
);
