-- incident_nodes holds a node's name (the alerting core's node ids are names): name the column so.
-- A rename in place, so the incidents recorded before keep their nodes.
ALTER TABLE "incident_nodes" RENAME COLUMN "node_id" TO "node_name";--> statement-breakpoint
ALTER TABLE "incident_nodes" RENAME CONSTRAINT "incident_nodes_node_id_incident_id_pk" TO "incident_nodes_node_name_incident_id_pk";
