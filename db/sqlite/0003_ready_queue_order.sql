DROP INDEX `steps_ready_queue`;--> statement-breakpoint
CREATE INDEX `steps_ready_queue_v2` ON `steps` (`role`,"priority" DESC,`ready_at`,`position`) WHERE state = 'READY';