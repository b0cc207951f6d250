-- The agent's own record, kept with each raw sample: evidence for time no collector observed.
-- lag_ms: live samples' arrival less their sampling time (our clock); uptime_s: the node's uptime when sampled.
ALTER TABLE "samples" ADD COLUMN "lag_ms" integer;--> statement-breakpoint
ALTER TABLE "samples" ADD COLUMN "uptime_s" real;