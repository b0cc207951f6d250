CREATE TABLE "rollup_pending" (
	"node_id" bigint NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	CONSTRAINT "rollup_pending_node_id_hour_pk" PRIMARY KEY("node_id","hour")
);
--> statement-breakpoint
-- Hours in progress at the upgrade: their arrivals so far were scanned before this table existed.
INSERT INTO "rollup_pending" ("node_id", "hour") SELECT DISTINCT "node_id", date_trunc('hour', "at", 'UTC') FROM "samples" WHERE "received_at" >= date_trunc('hour', now(), 'UTC') - interval '1 hour' ON CONFLICT DO NOTHING;
