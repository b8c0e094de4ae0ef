CREATE TABLE `interventions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`plan_id` text NOT NULL,
	`kind` text NOT NULL,
	`step_key` text,
	`actor` text NOT NULL,
	`reason` text,
	`status` text NOT NULL,
	`rejection_code` text,
	`rejection_reason` text,
	`diff` text,
	`args` text,
	`plan_version` integer NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `interventions_id` ON `interventions` (`id`);--> statement-breakpoint
CREATE INDEX `interventions_plan` ON `interventions` (`plan_id`,`seq`);--> statement-breakpoint
ALTER TABLE `plans` ADD `paused_at` integer;--> statement-breakpoint
ALTER TABLE `steps` ADD `attempt_base` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `timers` ADD `remaining_ms` integer;