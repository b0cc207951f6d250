CREATE TABLE "applications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"operator_id" bigint NOT NULL,
	"data" jsonb NOT NULL,
	"notes" jsonb NOT NULL,
	"email" text NOT NULL,
	"region" text NOT NULL,
	"referral_code" text,
	"partner_id" bigint,
	"submitted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operator_transitions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"operator_id" bigint NOT NULL,
	"from_state" text NOT NULL,
	"to_state" text NOT NULL,
	"event_type" text NOT NULL,
	"event" jsonb NOT NULL,
	"reason_code" text,
	"by" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"referral_code" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"role" text NOT NULL,
	"operator_id" bigint,
	"partner_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "people_role_link" CHECK (("people"."role" = 'operator') = ("people"."operator_id" is not null) and ("people"."role" = 'partner') = ("people"."partner_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "person_tokens" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"person_id" bigint NOT NULL,
	"token_hash" text NOT NULL,
	"display_prefix" text NOT NULL,
	"role" text NOT NULL,
	"label" text,
	"issued_at" timestamp with time zone NOT NULL,
	"issued_by" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "referrals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"partner_id" bigint NOT NULL,
	"operator_id" bigint NOT NULL,
	"referred_at" timestamp with time zone NOT NULL,
	"application_id" bigint,
	"recorded_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "operators" ADD COLUMN "lifecycle_state" text DEFAULT 'certified' NOT NULL;--> statement-breakpoint
ALTER TABLE "operators" ADD COLUMN "lifecycle_since" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "operators" ADD COLUMN "suspended_from" text;--> statement-breakpoint
ALTER TABLE "operators" ADD COLUMN "last_active_day" text;--> statement-breakpoint
ALTER TABLE "operators" ADD COLUMN "termination_reason" text;--> statement-breakpoint
ALTER TABLE "operators" ADD COLUMN "rejection_reason" text;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operator_transitions" ADD CONSTRAINT "operator_transitions_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_tokens" ADD CONSTRAINT "person_tokens_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "applications_operator_idx" ON "applications" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "operator_transitions_operator_idx" ON "operator_transitions" USING btree ("operator_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "partners_name_uq" ON "partners" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "partners_referral_code_uq" ON "partners" USING btree ("referral_code");--> statement-breakpoint
CREATE UNIQUE INDEX "people_name_uq" ON "people" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "person_tokens_hash_uq" ON "person_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "person_tokens_person_idx" ON "person_tokens" USING btree ("person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "referrals_operator_uq" ON "referrals" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "referrals_partner_idx" ON "referrals" USING btree ("partner_id");--> statement-breakpoint
-- Operators that exist already are serving at their tier, since they started.
UPDATE "operators" SET "lifecycle_state" = "tier", "lifecycle_since" = "started_at" WHERE "tier" IN ('certified', 'senior', 'fleet_lead');
