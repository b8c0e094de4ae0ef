CREATE TABLE `checkpoints` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`plan_id` text NOT NULL,
	`reason` text NOT NULL,
	`step_key` text,
	`label` text,
	`sequence` integer NOT NULL,
	`plan_version` integer NOT NULL,
	`base` integer NOT NULL,
	`plan` text NOT NULL,
	`steps` text NOT NULL,
	`order` text,
	`bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `checkpoints_id` ON `checkpoints` (`id`);--> statement-breakpoint
CREATE INDEX `checkpoints_plan` ON `checkpoints` (`plan_id`,`seq`);--> statement-breakpoint
ALTER TABLE `plans` ADD `forked_from` text;