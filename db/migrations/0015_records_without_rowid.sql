-- Custom: a snapshot's records and their versions are stored in their primary key's own b-tree
-- (WITHOUT ROWID), not in a rowid table beside an index of that key: a backup writes each record
-- into two b-trees instead of four. Drizzle has no table option for it; schema.ts says so.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_record_versions` (
	`record_id` text NOT NULL,
	`hash` text NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`record_id`, `hash`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_record_versions`("record_id", "hash", "data") SELECT "record_id", "hash", "data" FROM `record_versions`;--> statement-breakpoint
DROP TABLE `record_versions`;--> statement-breakpoint
ALTER TABLE `__new_record_versions` RENAME TO `record_versions`;--> statement-breakpoint
CREATE TABLE `__new_snapshot_records` (
	`snapshot_id` text NOT NULL,
	`object` text NOT NULL,
	`record_id` text NOT NULL,
	`version_hash` text NOT NULL,
	`deleted` integer NOT NULL,
	PRIMARY KEY(`snapshot_id`, `object`, `record_id`),
	FOREIGN KEY (`snapshot_id`) REFERENCES `snapshots`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_snapshot_records`("snapshot_id", "object", "record_id", "version_hash", "deleted") SELECT "snapshot_id", "object", "record_id", "version_hash", "deleted" FROM `snapshot_records`;--> statement-breakpoint
DROP TABLE `snapshot_records`;--> statement-breakpoint
ALTER TABLE `__new_snapshot_records` RENAME TO `snapshot_records`;--> statement-breakpoint
PRAGMA foreign_keys=ON;
