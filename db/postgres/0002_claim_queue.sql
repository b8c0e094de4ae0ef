DROP INDEX "steps_ready_queue_v2";--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "claim_crisis" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "steps" ADD COLUMN "claim_served" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "steps_claim_queue" ON "steps" USING btree ("role","claim_crisis" DESC NULLS FIRST,"priority" DESC NULLS FIRST,"claim_served","ready_at","position") WHERE state = 'READY';--> statement-breakpoint
UPDATE "steps" s SET "claim_crisis" = CASE WHEN (p."policy" ->> 'complexity') = 'CRISIS' THEN 1 ELSE 0 END, "claim_served" = coalesce(p."last_claimed_at", 0) FROM "plans" p WHERE p."id" = s."plan_id" AND s."state" = 'READY';
