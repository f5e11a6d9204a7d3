ALTER TABLE `snapshot_objects` ADD `state` text DEFAULT 'COMPLETE' NOT NULL;--> statement-breakpoint
ALTER TABLE `snapshot_objects` ADD `reason` text;--> statement-breakpoint
ALTER TABLE `snapshot_objects` ADD `blob_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `snapshot_objects` ADD `blob_bytes` integer DEFAULT 0 NOT NULL;