PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_record_versions` (
	`record_id` text NOT NULL,
	`hash` text NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`record_id`, `hash`)
);
--> statement-breakpoint
-- Edited by hand: the record id of a stored version is the Id inside its data.
INSERT INTO `__new_record_versions`("record_id", "hash", "data") SELECT json_extract("data", '$.Id'), "hash", "data" FROM `record_versions`;--> statement-breakpoint
DROP TABLE `record_versions`;--> statement-breakpoint
ALTER TABLE `__new_record_versions` RENAME TO `record_versions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;