DROP INDEX `steps_ready_queue_v2`;--> statement-breakpoint
ALTER TABLE `steps` ADD `claim_crisis` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `steps` ADD `claim_served` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `steps_claim_queue` ON `steps` (`role`,"claim_crisis" DESC,"priority" DESC,`claim_served`,`ready_at`,`position`) WHERE state = 'READY';--> statement-breakpoint
UPDATE `steps` SET `claim_crisis` = coalesce((SELECT CASE WHEN json_extract(p.`policy`, '$.complexity') = 'CRISIS' THEN 1 ELSE 0 END FROM `plans` p WHERE p.`id` = `steps`.`plan_id`), 0), `claim_served` = coalesce((SELECT p.`last_claimed_at` FROM `plans` p WHERE p.`id` = `steps`.`plan_id`), 0) WHERE `state` = 'READY';
