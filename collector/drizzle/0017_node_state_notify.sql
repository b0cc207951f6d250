-- Live node state events (GET /v1/events): every change of a node's settled state is announced on the
-- channel "timmy_node_state" with NOTIFY, delivered to every collector's listener when the changing
-- transaction commits (the settle job's statement), so an open stream on any collector hears it within a
-- second, and no collector polls the fleet. The payload is the whole event (JSON, a few hundred bytes):
-- the node, its operator and region, the state before and after, since when, and the new interval's cause.
-- Only updates that name current_state fire it (ingest's heartbeat updates do not), and only when the value
-- changes.
CREATE OR REPLACE FUNCTION "timmy_node_state_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('timmy_node_state', json_build_object(
    'nodeId', NEW."id",
    'node', NEW."name",
    'operatorId', NEW."operator_id",
    'operator', (SELECT o."name" FROM "operators" o WHERE o."id" = NEW."operator_id"),
    'region', NEW."region",
    'from', OLD."current_state",
    'to', NEW."current_state",
    'at', NEW."state_since",
    'cause', (SELECT si."cause" FROM "state_intervals" si WHERE si."node_id" = NEW."id" AND si."end_at" IS NULL ORDER BY si."start_at" DESC LIMIT 1)
  )::text);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "nodes_state_notify" AFTER UPDATE OF "current_state" ON "nodes"
  FOR EACH ROW WHEN (OLD."current_state" IS DISTINCT FROM NEW."current_state" AND NEW."current_state" IS NOT NULL)
  EXECUTE FUNCTION "timmy_node_state_notify"();
