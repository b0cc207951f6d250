CREATE TABLE "node_check_status" (
	"node_id" bigint NOT NULL,
	"name" text NOT NULL,
	"probe" text NOT NULL,
	"status" text NOT NULL,
	"message" text NOT NULL,
	"sla_critical" boolean NOT NULL,
	"value" double precision,
	"since" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_credentials" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"node_id" bigint NOT NULL,
	"public_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"operator_id" bigint,
	"region" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decommissioned_at" timestamp with time zone,
	"inventory" jsonb,
	"agent_version" text,
	"boot_id" text,
	"last_hb_at" timestamp with time zone,
	"last_ok" boolean,
	"failing" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"clock_skew_ms" integer,
	"last_seq" bigint,
	"last_stream" text,
	"current_state" text,
	"state_since" timestamp with time zone,
	"recompute_from" timestamp with time zone,
	"state_check_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"tier" text DEFAULT 'certified' NOT NULL,
	"region" text,
	"status" text DEFAULT 'active' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operators_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "samples" (
	"node_id" bigint NOT NULL,
	"stream" text NOT NULL,
	"seq" bigint NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"live" boolean NOT NULL,
	"ok" boolean NOT NULL,
	"detail" jsonb,
	CONSTRAINT "samples_node_id_stream_seq_pk" PRIMARY KEY("node_id","stream","seq")
);
--> statement-breakpoint
CREATE TABLE "collector_spans" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_beat_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "state_intervals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"node_id" bigint NOT NULL,
	"state" text NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone,
	"cause" text NOT NULL,
	"evidence" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "node_check_status" ADD CONSTRAINT "node_check_status_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_credentials" ADD CONSTRAINT "node_credentials_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "node_check_status_pk" ON "node_check_status" USING btree ("node_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "node_credentials_public_uq" ON "node_credentials" USING btree ("public_id");--> statement-breakpoint
CREATE INDEX "node_credentials_node_idx" ON "node_credentials" USING btree ("node_id");--> statement-breakpoint
CREATE UNIQUE INDEX "nodes_name_uq" ON "nodes" USING btree ("name");--> statement-breakpoint
CREATE INDEX "nodes_recompute_idx" ON "nodes" USING btree ("recompute_from") WHERE "nodes"."recompute_from" is not null;--> statement-breakpoint
CREATE INDEX "nodes_check_idx" ON "nodes" USING btree ("state_check_at") WHERE "nodes"."state_check_at" is not null;--> statement-breakpoint
CREATE INDEX "nodes_operator_idx" ON "nodes" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "samples_node_at_idx" ON "samples" USING btree ("node_id","at");--> statement-breakpoint
CREATE INDEX "samples_received_idx" ON "samples" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "collector_spans_beat_idx" ON "collector_spans" USING btree ("last_beat_at");--> statement-breakpoint
CREATE INDEX "state_intervals_node_start_idx" ON "state_intervals" USING btree ("node_id","start_at");