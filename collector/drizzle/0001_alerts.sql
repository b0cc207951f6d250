CREATE TABLE "alert_instances" (
	"key" text PRIMARY KEY NOT NULL,
	"phase" text NOT NULL,
	"data" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_notifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"idempotency_key" text NOT NULL,
	"incident_id" text NOT NULL,
	"channel" text NOT NULL,
	"transition" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"event_id" bigint
);
--> statement-breakpoint
CREATE TABLE "incident_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"type" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incident_nodes" (
	"node_id" text NOT NULL,
	"incident_id" text NOT NULL,
	"operator_id" text NOT NULL,
	"region" text NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "incident_nodes_node_id_incident_id_pk" PRIMARY KEY("node_id","incident_id")
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"severity" text NOT NULL,
	"status" text NOT NULL,
	"summary" text NOT NULL,
	"scope_type" text NOT NULL,
	"operator_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"regions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"alert_keys" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"flapping" boolean DEFAULT false NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"cause" text,
	"resolution" text,
	"absorbed_into" text,
	"escalated_at" timestamp with time zone,
	"respond_missed_at" timestamp with time zone,
	"resolve_missed_at" timestamp with time zone,
	"postmortem_required" boolean DEFAULT false NOT NULL,
	"postmortem_due_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_nodes" ADD CONSTRAINT "incident_nodes_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_notifications_key_uq" ON "alert_notifications" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "alert_notifications_due_idx" ON "alert_notifications" USING btree ("next_attempt_at") WHERE "alert_notifications"."status" in ('pending', 'sending');--> statement-breakpoint
CREATE INDEX "alert_notifications_incident_idx" ON "alert_notifications" USING btree ("incident_id","channel","id");--> statement-breakpoint
CREATE INDEX "incident_events_incident_idx" ON "incident_events" USING btree ("incident_id","at");--> statement-breakpoint
CREATE INDEX "incident_nodes_incident_idx" ON "incident_nodes" USING btree ("incident_id");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_open_key_uq" ON "incidents" USING btree ("key") WHERE "incidents"."status" <> 'resolved';--> statement-breakpoint
CREATE INDEX "incidents_opened_idx" ON "incidents" USING btree ("opened_at");--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status");