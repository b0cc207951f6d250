-- The fleet page's lists of the nodes in one state now (GET /v1/nodes?state=DOWN|UNKNOWN|MAINTENANCE), by
-- name: an index scan of the few in that state instead of reading all 10,000 nodes (about 4 ms of
-- PostgreSQL per list at that size). current_state changes only at a transition (the settle job), so the
-- per-heartbeat update of a node stays a HOT update.
CREATE INDEX "nodes_state_name_idx" ON "nodes" USING btree ("current_state","name");
