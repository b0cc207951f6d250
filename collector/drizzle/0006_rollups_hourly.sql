-- metric_rollups: one row per (node, UTC hour) with the hour's minutes in arrays, instead of one row per
-- minute (hand-written: drizzle-kit would alter the columns in place). Existing minutes move over, except
-- those from the hour of the rollup job's watermark on: the job recomputes those hours whole from raw
-- samples once they are complete.
ALTER TABLE "metric_rollups" RENAME TO "metric_rollups_by_minute";--> statement-breakpoint
CREATE TABLE "metric_rollups" (
	"node_id" bigint NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"samples" smallint[] NOT NULL,
	"disk_pct_max" real[] NOT NULL,
	"load1_avg" real[] NOT NULL,
	"load1_max" real[] NOT NULL,
	"mem_pct_avg" real[] NOT NULL,
	"mem_pct_max" real[] NOT NULL,
	"agent_rss_kib_max" integer[] NOT NULL,
	"agent_cpu_pct" real[] NOT NULL,
	CONSTRAINT "metric_rollups_node_id_hour_pk" PRIMARY KEY("node_id","hour")
);--> statement-breakpoint
-- A full hour is exactly 2,032 bytes, the most PostgreSQL keeps in a row without toasting. Rows with
-- missing minutes (null bitmaps) are over: MAIN compresses their arrays inline rather than moving one
-- out to the TOAST table.
ALTER TABLE "metric_rollups"
	ALTER COLUMN "samples" SET STORAGE MAIN,
	ALTER COLUMN "disk_pct_max" SET STORAGE MAIN,
	ALTER COLUMN "load1_avg" SET STORAGE MAIN,
	ALTER COLUMN "load1_max" SET STORAGE MAIN,
	ALTER COLUMN "mem_pct_avg" SET STORAGE MAIN,
	ALTER COLUMN "mem_pct_max" SET STORAGE MAIN,
	ALTER COLUMN "agent_rss_kib_max" SET STORAGE MAIN,
	ALTER COLUMN "agent_cpu_pct" SET STORAGE MAIN;--> statement-breakpoint
CREATE INDEX "metric_rollups_hour_brin" ON "metric_rollups" USING brin ("hour");--> statement-breakpoint
INSERT INTO "metric_rollups" ("node_id", "hour", "samples", "disk_pct_max", "load1_avg", "load1_max", "mem_pct_avg", "mem_pct_max", "agent_rss_kib_max", "agent_cpu_pct")
SELECT k.node_id, k.hour, array_agg(o.samples ORDER BY g.i), array_agg(o.disk_pct_max ORDER BY g.i), array_agg(o.load1_avg ORDER BY g.i),
	array_agg(o.load1_max ORDER BY g.i), array_agg(o.mem_pct_avg ORDER BY g.i), array_agg(o.mem_pct_max ORDER BY g.i),
	array_agg(o.agent_rss_kib_max ORDER BY g.i), array_agg(o.agent_cpu_pct ORDER BY g.i)
FROM (
	SELECT DISTINCT node_id, date_trunc('hour', minute, 'UTC') AS hour FROM "metric_rollups_by_minute"
	WHERE minute < coalesce((SELECT date_trunc('hour', up_to, 'UTC') FROM "job_watermarks" WHERE job = 'rollup'), 'infinity')
) k
CROSS JOIN generate_series(0, 59) AS g(i)
LEFT JOIN "metric_rollups_by_minute" o ON o.node_id = k.node_id AND o.minute = k.hour + g.i * interval '1 minute'
GROUP BY k.node_id, k.hour
ORDER BY k.hour, k.node_id;--> statement-breakpoint
DROP TABLE "metric_rollups_by_minute";--> statement-breakpoint
CREATE VIEW "public"."metric_rollup_minutes" AS (select r.node_id, r.hour, r.hour + (m.i - 1) * interval '1 minute' as minute, m.samples, m.disk_pct_max, m.load1_avg, m.load1_max, m.mem_pct_avg, m.mem_pct_max, m.agent_rss_kib_max, m.agent_cpu_pct
    from metric_rollups r, unnest(r.samples, r.disk_pct_max, r.load1_avg, r.load1_max, r.mem_pct_avg, r.mem_pct_max, r.agent_rss_kib_max, r.agent_cpu_pct) with ordinality as m(samples, disk_pct_max, load1_avg, load1_max, mem_pct_avg, mem_pct_max, agent_rss_kib_max, agent_cpu_pct, i)
    where m.samples is not null);
