DROP INDEX "nodes_recompute_idx";--> statement-breakpoint
DROP INDEX "nodes_check_idx";--> statement-breakpoint
-- Leave room in each page so the per-heartbeat update of a node row is a HOT update.
ALTER TABLE "nodes" SET (fillfactor = 70);
