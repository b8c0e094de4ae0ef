CREATE TABLE `prefetch_cache` (
	`cache_key` text PRIMARY KEY NOT NULL,
	`value` text,
	`bytes` integer NOT NULL,
	`status` integer NOT NULL,
	`fetched_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
