CREATE TABLE `restored_records` (
	`instance_id` text NOT NULL,
	`source_id` text NOT NULL,
	`object` text NOT NULL,
	`new_id` text NOT NULL,
	`job_id` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`instance_id`, `source_id`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
