CREATE TABLE `role_limits` (
	`role` text PRIMARY KEY NOT NULL,
	`claims` integer,
	`interval_ms` integer,
	`max_concurrent` integer,
	`tokens` real,
	`refilled_at` integer,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `attempts_role_running` ON `attempts` (`role`) WHERE outcome = 'RUNNING';