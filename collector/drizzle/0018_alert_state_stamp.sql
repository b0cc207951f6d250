-- Who wrote alert_instances last (one row, id 1): the alert cycle stamps every write, and a cycle that
-- finds its own stamp keeps the instances it holds in memory instead of reading them all back.
CREATE TABLE "alert_state_stamp" (
	"id" integer PRIMARY KEY NOT NULL,
	"writer" text NOT NULL,
	"seq" bigint NOT NULL
);
