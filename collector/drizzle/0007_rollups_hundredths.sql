-- metric_rollups: the percentages, load1 and agent CPU % in hundredths as smallint[] (x 100, rounded,
-- clamped to 0..32767: a load1 above 327.67 is stored as 327.67) instead of real[]; a full hour goes from
-- 2,032 to 1,312 bytes. Hand-edited: the existing arrays are converted element by element (nulls stay null) in
-- one table rewrite, and the view, which depends on the columns, is recreated to divide by 100 so its
-- readers see the same columns and units.
DROP VIEW "public"."metric_rollup_minutes";--> statement-breakpoint
CREATE FUNCTION "public"."timmy_rollup_hundredths"(a real[]) RETURNS smallint[] LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(CASE WHEN x IS NOT NULL THEN least(greatest(round(x::float8 * 100), 0), 32767)::int2 END ORDER BY i), '{}')
	FROM unnest(a) WITH ORDINALITY AS u(x, i)
$$;--> statement-breakpoint
ALTER TABLE "metric_rollups"
	ALTER COLUMN "disk_pct_max" SET DATA TYPE smallint[] USING "public"."timmy_rollup_hundredths"("disk_pct_max"),
	ALTER COLUMN "load1_avg" SET DATA TYPE smallint[] USING "public"."timmy_rollup_hundredths"("load1_avg"),
	ALTER COLUMN "load1_max" SET DATA TYPE smallint[] USING "public"."timmy_rollup_hundredths"("load1_max"),
	ALTER COLUMN "mem_pct_avg" SET DATA TYPE smallint[] USING "public"."timmy_rollup_hundredths"("mem_pct_avg"),
	ALTER COLUMN "mem_pct_max" SET DATA TYPE smallint[] USING "public"."timmy_rollup_hundredths"("mem_pct_max"),
	ALTER COLUMN "agent_cpu_pct" SET DATA TYPE smallint[] USING "public"."timmy_rollup_hundredths"("agent_cpu_pct");--> statement-breakpoint
DROP FUNCTION "public"."timmy_rollup_hundredths"(real[]);--> statement-breakpoint
-- A type change resets a column's storage to the type's default (EXTENDED): keep MAIN (see 0006).
ALTER TABLE "metric_rollups"
	ALTER COLUMN "disk_pct_max" SET STORAGE MAIN,
	ALTER COLUMN "load1_avg" SET STORAGE MAIN,
	ALTER COLUMN "load1_max" SET STORAGE MAIN,
	ALTER COLUMN "mem_pct_avg" SET STORAGE MAIN,
	ALTER COLUMN "mem_pct_max" SET STORAGE MAIN,
	ALTER COLUMN "agent_cpu_pct" SET STORAGE MAIN;--> statement-breakpoint
CREATE VIEW "public"."metric_rollup_minutes" AS (select r.node_id, r.hour, r.hour + (m.i - 1) * interval '1 minute' as minute, m.samples, (m.disk_pct_max / 100.0)::real as disk_pct_max, (m.load1_avg / 100.0)::real as load1_avg, (m.load1_max / 100.0)::real as load1_max, (m.mem_pct_avg / 100.0)::real as mem_pct_avg, (m.mem_pct_max / 100.0)::real as mem_pct_max, m.agent_rss_kib_max, (m.agent_cpu_pct / 100.0)::real as agent_cpu_pct
    from metric_rollups r, unnest(r.samples, r.disk_pct_max, r.load1_avg, r.load1_max, r.mem_pct_avg, r.mem_pct_max, r.agent_rss_kib_max, r.agent_cpu_pct) with ordinality as m(samples, disk_pct_max, load1_avg, load1_max, mem_pct_avg, mem_pct_max, agent_rss_kib_max, agent_cpu_pct, i)
    where m.samples is not null);
