ALTER TABLE `attempts` ADD `quality` real;--> statement-breakpoint
CREATE INDEX `attempts_agent_finished` ON `attempts` (`agent_id`,`outcome`,`finished_at`,`started_at`,`quality`,`role`) WHERE finished_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `attempts_agent_duration` ON `attempts` (`agent_id`,("finished_at" - "started_at"),`finished_at`,`started_at`,`role`) WHERE outcome = 'SUCCEEDED';--> statement-breakpoint
CREATE INDEX `attempts_role_finished` ON `attempts` (`role`,`outcome`,`finished_at`,`started_at`,`quality`) WHERE finished_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `attempts_role_duration` ON `attempts` (`role`,("finished_at" - "started_at"),`finished_at`,`started_at`) WHERE outcome = 'SUCCEEDED';--> statement-breakpoint
CREATE INDEX `plans_template_finished` ON `plans` (`template_id`,`state`,`finished_at`,`started_at`) WHERE finished_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `plans_template_duration` ON `plans` (`template_id`,("finished_at" - "started_at"),`finished_at`,`started_at`) WHERE state = 'COMPLETED';