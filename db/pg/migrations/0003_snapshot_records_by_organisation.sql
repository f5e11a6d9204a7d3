-- Snapshot records refer to their snapshot by organisation and id, so that a snapshot's deletion
-- cascades within its organisation's partition. Existing snapshots take their instance's organisation.
ALTER TABLE "snapshot_records" DROP CONSTRAINT "snapshot_records_snapshot_id_snapshots_id_fk";
--> statement-breakpoint
ALTER TABLE "snapshots" ADD COLUMN "organisation_id" text;--> statement-breakpoint
UPDATE "snapshots" SET "organisation_id" = "instances"."organisation_id" FROM "instances" WHERE "instances"."id" = "snapshots"."instance_id";--> statement-breakpoint
ALTER TABLE "snapshots" ALTER COLUMN "organisation_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_organisation_id" UNIQUE("organisation_id","id");--> statement-breakpoint
ALTER TABLE "snapshot_records" ADD CONSTRAINT "snapshot_records_snapshot_fk" FOREIGN KEY ("organisation_id","snapshot_id") REFERENCES "public"."snapshots"("organisation_id","id") ON DELETE cascade ON UPDATE no action;
