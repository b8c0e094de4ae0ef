CREATE TABLE `context_entries` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`plan_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text,
	`targets` text NOT NULL,
	`version` integer NOT NULL,
	`context_version` integer NOT NULL,
	`deleted` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `context_entries_key` ON `context_entries` (`plan_id`,`key`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `context_entries_version` ON `context_entries` (`plan_id`,`context_version`);--> statement-breakpoint
ALTER TABLE `checkpoints` ADD `context_version` integer DEFAULT 0 NOT NULL;