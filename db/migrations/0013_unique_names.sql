-- Edited by hand: names were unique only by the service's check, so a race (or rows written before
-- it) may have left two alike, letter case aside. The oldest keeps its name; the others become
-- "Name (2)", "Name (3)"…, with their id added when that is taken too, so the indexes can be built.
CREATE TEMP TABLE `renamed_organisations` AS SELECT `id`, `name` || ' (' || `n` || ')' AS `name` FROM (SELECT `id`, `name`, row_number() OVER (PARTITION BY lower(`name`) ORDER BY `created_at`, `id`) AS `n` FROM `organisations`) WHERE `n` > 1;--> statement-breakpoint
UPDATE `organisations` SET `name` = (SELECT `name` FROM `renamed_organisations` r WHERE r.`id` = `organisations`.`id`) WHERE `id` IN (SELECT `id` FROM `renamed_organisations`);--> statement-breakpoint
UPDATE `organisations` SET `name` = `name` || ' ' || `id` WHERE `id` IN (SELECT `id` FROM `renamed_organisations`) AND EXISTS (SELECT 1 FROM `organisations` o WHERE o.`id` <> `organisations`.`id` AND lower(o.`name`) = lower(`organisations`.`name`));--> statement-breakpoint
DROP TABLE `renamed_organisations`;--> statement-breakpoint
CREATE TEMP TABLE `renamed_instances` AS SELECT `id`, `name` || ' (' || `n` || ')' AS `name` FROM (SELECT `id`, `name`, row_number() OVER (PARTITION BY `organisation_id`, lower(`name`) ORDER BY `created_at`, `id`) AS `n` FROM `instances`) WHERE `n` > 1;--> statement-breakpoint
UPDATE `instances` SET `name` = (SELECT `name` FROM `renamed_instances` r WHERE r.`id` = `instances`.`id`) WHERE `id` IN (SELECT `id` FROM `renamed_instances`);--> statement-breakpoint
UPDATE `instances` SET `name` = `name` || ' ' || `id` WHERE `id` IN (SELECT `id` FROM `renamed_instances`) AND EXISTS (SELECT 1 FROM `instances` i WHERE i.`id` <> `instances`.`id` AND i.`organisation_id` = `instances`.`organisation_id` AND lower(i.`name`) = lower(`instances`.`name`));--> statement-breakpoint
DROP TABLE `renamed_instances`;--> statement-breakpoint
CREATE UNIQUE INDEX `instances_organisation_name` ON `instances` (`organisation_id`,lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX `organisations_name` ON `organisations` (lower("name"));
