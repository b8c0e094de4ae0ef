ALTER TABLE `steps` ADD `run_at` integer;--> statement-breakpoint
ALTER TABLE `steps` ADD `delay_ms` integer;