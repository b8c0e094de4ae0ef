CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`roles` text NOT NULL,
	`concurrency` integer NOT NULL,
	`status` text NOT NULL,
	`builtin` integer NOT NULL,
	`metadata` text,
	`last_seen_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`plan_id` text NOT NULL,
	`step_key` text NOT NULL,
	`attempt` integer NOT NULL,
	`agent_id` text,
	`role` text NOT NULL,
	`outcome` text NOT NULL,
	`error` text,
	`queued_at` integer,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`expires_at` integer NOT NULL,
	`heartbeat_timeout_ms` integer NOT NULL,
	`cancel_requested` integer NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `attempts_plan_step` ON `attempts` (`plan_id`,`step_key`,`attempt`);--> statement-breakpoint
CREATE INDEX `attempts_agent_running` ON `attempts` (`agent_id`) WHERE outcome = 'RUNNING';--> statement-breakpoint
CREATE TABLE `plans` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`goal` text,
	`state` text NOT NULL,
	`version` integer NOT NULL,
	`priority` integer NOT NULL,
	`labels` text NOT NULL,
	`input` text,
	`policy` text NOT NULL,
	`max_parallel` integer NOT NULL,
	`running_count` integer NOT NULL,
	`result` text,
	`error` text,
	`idempotency_key` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plans_idempotency_key` ON `plans` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `plans_created` ON `plans` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `plans_state` ON `plans` (`state`);--> statement-breakpoint
CREATE TABLE `signals` (
	`sequence` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`name` text,
	`plan_id` text,
	`step_key` text,
	`agent_id` text,
	`sender` text NOT NULL,
	`recipient` text,
	`payload` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `signals_plan` ON `signals` (`plan_id`,`sequence`);--> statement-breakpoint
CREATE TABLE `steps` (
	`plan_id` text NOT NULL,
	`key` text NOT NULL,
	`position` integer NOT NULL,
	`name` text,
	`description` text,
	`role` text NOT NULL,
	`state` text NOT NULL,
	`depends_on` text NOT NULL,
	`priority` integer NOT NULL,
	`input` text,
	`output` text,
	`error` text,
	`attempts` integer NOT NULL,
	`retry` text NOT NULL,
	`timeout_ms` integer NOT NULL,
	`config` text,
	`progress` real,
	`progress_message` text,
	`quality` real,
	`agent_id` text,
	`lease_id` text,
	`ready_at` integer,
	`started_at` integer,
	`finished_at` integer,
	`retry_at` integer,
	PRIMARY KEY(`plan_id`, `key`),
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `steps_ready_queue` ON `steps` (`role`,"priority" DESC,`ready_at`) WHERE state = 'READY';--> statement-breakpoint
CREATE TABLE `timers` (
	`plan_id` text NOT NULL,
	`step_key` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text,
	`due_at` integer NOT NULL,
	PRIMARY KEY(`plan_id`, `step_key`, `kind`),
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `timers_due` ON `timers` (`due_at`);