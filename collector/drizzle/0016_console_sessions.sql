CREATE TABLE "console_sessions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"sid_hash" text NOT NULL,
	"token_id" bigint,
	"admin_digest" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "console_sessions" ADD CONSTRAINT "console_sessions_token_id_person_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."person_tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "console_sessions_sid_uq" ON "console_sessions" USING btree ("sid_hash");--> statement-breakpoint
CREATE INDEX "console_sessions_expires_idx" ON "console_sessions" USING btree ("expires_at");