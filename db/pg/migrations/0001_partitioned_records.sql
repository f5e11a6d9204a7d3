-- Custom: record versions and snapshot records are partitioned by organisation (a partition each per
-- organisation, made by db/pg/partitions.ts); Drizzle has no partitioning option. Both are empty here.
DROP TABLE "snapshot_records";--> statement-breakpoint
DROP TABLE "record_versions";--> statement-breakpoint
CREATE TABLE "record_versions" (
	"organisation_id" text NOT NULL,
	"record_id" text NOT NULL,
	"hash" text NOT NULL,
	"data" text NOT NULL,
	CONSTRAINT "record_versions_organisation_id_record_id_hash_pk" PRIMARY KEY("organisation_id","record_id","hash")
) PARTITION BY LIST ("organisation_id");
--> statement-breakpoint
CREATE TABLE "snapshot_records" (
	"organisation_id" text NOT NULL,
	"snapshot_id" text NOT NULL,
	"object" text NOT NULL,
	"record_id" text NOT NULL,
	"version_hash" text NOT NULL,
	"deleted" boolean NOT NULL,
	CONSTRAINT "snapshot_records_organisation_id_snapshot_id_object_record_id_pk" PRIMARY KEY("organisation_id","snapshot_id","object","record_id"),
	CONSTRAINT "snapshot_records_snapshot_id_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "snapshots"("id") ON DELETE cascade ON UPDATE no action
) PARTITION BY LIST ("organisation_id");
--> statement-breakpoint
CREATE INDEX "snapshot_records_deleted" ON "snapshot_records" USING btree ("organisation_id","snapshot_id","object","record_id") WHERE "deleted" = true;
