-- Raw samples become a table partitioned by range of "ts" (the sampling time the agent sent), one
-- partition per UTC day ("samples_pYYYYMMDD") and a default partition for any other time, so that
-- retention drops a day at a time instead of deleting rows (collector/src/jobs/partitions.ts).
-- The key: a primary key of a partitioned table must hold the partition key. "ts" is part of the sample
-- itself, the same in every resend of it, so a resend after midnight still meets its first copy in the
-- same partition (the arrival time would not: the resend would be stored twice).
-- The existing rows are copied in place: partitions for the days they hold (the last 7 days) and for
-- today - 2 .. today + 2 are created first; anything else (a node whose clock is far off) goes to the
-- default partition, which retention empties row by row.
ALTER TABLE "samples" RENAME TO "samples_unpartitioned";--> statement-breakpoint
DROP INDEX "samples_node_at_idx";--> statement-breakpoint
DROP INDEX "samples_received_brin";--> statement-breakpoint
ALTER TABLE "samples_unpartitioned" DROP CONSTRAINT "samples_node_id_stream_seq_pk";--> statement-breakpoint
CREATE TABLE "samples" (
	"node_id" bigint NOT NULL,
	"stream" text NOT NULL,
	"seq" bigint NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"live" boolean NOT NULL,
	"ok" boolean NOT NULL,
	"detail" jsonb,
	"disk_pct" real,
	"load1" real,
	"mem_pct" real,
	"agent_rss_kib" integer,
	"agent_cpu_s" double precision,
	"lag_ms" integer,
	"uptime_s" real,
	CONSTRAINT "samples_node_id_stream_seq_ts_pk" PRIMARY KEY("node_id","stream","seq","ts")
) PARTITION BY RANGE ("ts");--> statement-breakpoint
CREATE INDEX "samples_node_at_idx" ON "samples" USING btree ("node_id","at");--> statement-breakpoint
CREATE INDEX "samples_received_brin" ON "samples" USING brin ("received_at");--> statement-breakpoint
CREATE TABLE "samples_default" PARTITION OF "samples" DEFAULT;--> statement-breakpoint
DO $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  d date;
BEGIN
  FOR d IN
    SELECT today + k FROM generate_series(-2, 2) k
    UNION
    SELECT DISTINCT ("ts" AT TIME ZONE 'UTC')::date FROM "samples_unpartitioned"
    WHERE "ts" >= (today - 7)::timestamp AT TIME ZONE 'UTC' AND "ts" < (today + 3)::timestamp AT TIME ZONE 'UTC'
  LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "samples" FOR VALUES FROM (%L) TO (%L)',
      'samples_p' || to_char(d, 'YYYYMMDD'), to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(d + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
  END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "samples" ("node_id", "stream", "seq", "ts", "received_at", "at", "live", "ok", "detail", "disk_pct", "load1", "mem_pct", "agent_rss_kib", "agent_cpu_s", "lag_ms", "uptime_s")
SELECT "node_id", "stream", "seq", "ts", "received_at", "at", "live", "ok", "detail", "disk_pct", "load1", "mem_pct", "agent_rss_kib", "agent_cpu_s", "lag_ms", "uptime_s" FROM "samples_unpartitioned";--> statement-breakpoint
DROP TABLE "samples_unpartitioned";
