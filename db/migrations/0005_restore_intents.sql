CREATE TABLE `restore_intents` (
	`instance_id` text NOT NULL,
	`source_id` text NOT NULL,
	`object` text NOT NULL,
	`job_id` text NOT NULL,
	`body` text NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `source_id`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `restore_intents_object` ON `restore_intents` (`instance_id`,`object`);--> statement-breakpoint
ALTER TABLE `jobs` ADD `restore_summary` text;--> statement-breakpoint
CREATE INDEX `restored_records_new_id` ON `restored_records` (`instance_id`,`new_id`);