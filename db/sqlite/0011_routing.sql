CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`description` text,
	`steps` text NOT NULL,
	`policy` text,
	`generator` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_name_version` ON `templates` (`name`,`version`);--> statement-breakpoint
ALTER TABLE `plans` ADD `template_id` text;--> statement-breakpoint
CREATE INDEX `plans_template` ON `plans` (`template_id`);--> statement-breakpoint
ALTER TABLE `steps` ADD `on_success` text;--> statement-breakpoint
ALTER TABLE `steps` ADD `on_failure` text;--> statement-breakpoint
ALTER TABLE `steps` ADD `compensate` text;--> statement-breakpoint
ALTER TABLE `steps` ADD `route_rules` text;--> statement-breakpoint
ALTER TABLE `steps` ADD `max_visits` integer;--> statement-breakpoint
ALTER TABLE `steps` ADD `skip_if_dependency_skipped` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `steps` ADD `visits` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `steps` ADD `trigger` text;