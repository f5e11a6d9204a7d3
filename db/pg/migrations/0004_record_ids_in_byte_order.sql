-- Record ids compare byte by byte (COLLATE "C"), as the pages of records are read: their keys' indexes then serve those pages.
ALTER TABLE "record_versions" ALTER COLUMN "record_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "snapshot_changes" ALTER COLUMN "record_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "snapshot_records" ALTER COLUMN "record_id" SET DATA TYPE text COLLATE "C";