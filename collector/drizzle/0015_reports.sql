CREATE TABLE "report_runs" (
	"kind" text NOT NULL,
	"period" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "report_runs_kind_period_pk" PRIMARY KEY("kind","period")
);
