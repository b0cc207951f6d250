-- IF NOT EXISTS: a database that applied this migration under an earlier journal timestamp (before 0010 was
-- merged ahead of it) sees it again; it must then change nothing.
ALTER TABLE "nodes" ADD COLUMN IF NOT EXISTS "decommission_reason" text;
