CREATE TABLE "job_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"instance_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"rows" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_watermarks" (
	"job" text PRIMARY KEY NOT NULL,
	"up_to" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "metric_rollups" (
	"node_id" bigint NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"samples" smallint NOT NULL,
	"disk_pct_max" real,
	"load1_avg" real,
	"load1_max" real,
	"mem_pct_avg" real,
	"mem_pct_max" real,
	"agent_rss_kib_max" integer,
	"agent_cpu_pct" real,
	CONSTRAINT "metric_rollups_node_id_minute_pk" PRIMARY KEY("node_id","minute")
);
--> statement-breakpoint
DROP INDEX "samples_received_idx";--> statement-breakpoint
ALTER TABLE "samples" ADD COLUMN "disk_pct" real;--> statement-breakpoint
ALTER TABLE "samples" ADD COLUMN "load1" real;--> statement-breakpoint
ALTER TABLE "samples" ADD COLUMN "mem_pct" real;--> statement-breakpoint
ALTER TABLE "samples" ADD COLUMN "agent_rss_kib" integer;--> statement-breakpoint
ALTER TABLE "samples" ADD COLUMN "agent_cpu_s" double precision;--> statement-breakpoint
CREATE INDEX "job_runs_job_idx" ON "job_runs" USING btree ("job","started_at");--> statement-breakpoint
CREATE INDEX "metric_rollups_minute_brin" ON "metric_rollups" USING brin ("minute");--> statement-breakpoint
CREATE INDEX "samples_received_brin" ON "samples" USING brin ("received_at");