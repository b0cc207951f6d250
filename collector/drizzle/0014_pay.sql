CREATE TABLE "month_closes" (
	"month" text PRIMARY KEY NOT NULL,
	"closed_at" timestamp with time zone NOT NULL,
	"closed_by" text NOT NULL,
	"policy_id" text NOT NULL,
	"policy_version" text NOT NULL,
	"statements" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_ownership" (
	"node_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"operator_id" bigint,
	"by" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "node_ownership_node_id_at_pk" PRIMARY KEY("node_id","at")
);
--> statement-breakpoint
CREATE TABLE "pay_adjustments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"month" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"reason" text NOT NULL,
	"note" text NOT NULL,
	"by" text NOT NULL,
	"corrects_month" text,
	"corrects_code" text,
	"dispute_id" bigint,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pay_disputes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"statement_id" bigint NOT NULL,
	"line_index" integer NOT NULL,
	"line_code" text NOT NULL,
	"message" text NOT NULL,
	"opened_by" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"answer" text,
	"answered_by" text,
	"answered_at" timestamp with time zone,
	"adjustment_id" bigint
);
--> statement-breakpoint
CREATE TABLE "pay_policy_versions" (
	"policy_id" text NOT NULL,
	"version_id" text NOT NULL,
	"effective_from" text NOT NULL,
	"digest" text NOT NULL,
	"definition" jsonb NOT NULL,
	"first_loaded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "pay_policy_versions_policy_id_version_id_pk" PRIMARY KEY("policy_id","version_id")
);
--> statement-breakpoint
CREATE TABLE "statements" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"month" text NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"canonical" text NOT NULL,
	"evidence" text NOT NULL,
	"statement_digest" text NOT NULL,
	"evidence_digest" text NOT NULL,
	"policy_id" text NOT NULL,
	"policy_version" text NOT NULL,
	"policy_digest" text NOT NULL,
	"engine_version" text NOT NULL,
	"total_cents" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_imports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source_id" text NOT NULL,
	"operator_id" bigint NOT NULL,
	"month" text NOT NULL,
	"assigned" integer NOT NULL,
	"completed" integer NOT NULL,
	"imported_by" text NOT NULL,
	"imported_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "node_ownership" ADD CONSTRAINT "node_ownership_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pay_disputes" ADD CONSTRAINT "pay_disputes_statement_id_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_imports" ADD CONSTRAINT "task_imports_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pay_adjustments_subject_idx" ON "pay_adjustments" USING btree ("subject_kind","subject_id","month");--> statement-breakpoint
CREATE INDEX "pay_disputes_statement_idx" ON "pay_disputes" USING btree ("statement_id");--> statement-breakpoint
CREATE UNIQUE INDEX "statements_subject_uq" ON "statements" USING btree ("month","subject_kind","subject_id");--> statement-breakpoint
CREATE UNIQUE INDEX "task_imports_source_uq" ON "task_imports" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "task_imports_operator_month_idx" ON "task_imports" USING btree ("operator_id","month");--> statement-breakpoint
-- A closed month never changes: statements and month closes refuse updates and deletes.
CREATE FUNCTION "pay_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'FLEET_MONTH_CLOSED: % rows are immutable (a correction is an adjustment in an open month)', TG_TABLE_NAME
    USING ERRCODE = 'check_violation';
END $$;--> statement-breakpoint
CREATE TRIGGER "statements_immutable" BEFORE UPDATE OR DELETE ON "statements" FOR EACH ROW EXECUTE FUNCTION "pay_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "month_closes_immutable" BEFORE UPDATE OR DELETE ON "month_closes" FOR EACH ROW EXECUTE FUNCTION "pay_refuse_change"();
