CREATE SEQUENCE "journal_store"."change_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "journal_store"."chat_sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"deleted" boolean NOT NULL,
	"change_seq" bigint NOT NULL,
	"user_id" uuid NOT NULL,
	"title" text NOT NULL,
	"session_type" text NOT NULL,
	"ai_config" jsonb NOT NULL,
	"status" text NOT NULL,
	"message_count" integer NOT NULL,
	"last_message_at" timestamp(3) with time zone
);
--> statement-breakpoint
CREATE TABLE "journal_store"."journal_entries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"deleted" boolean NOT NULL,
	"change_seq" bigint NOT NULL,
	"user_id" uuid NOT NULL,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"search_text" text NOT NULL,
	"mood" integer,
	"energy" integer,
	"tags" text[] NOT NULL,
	"entry_date" date NOT NULL,
	"favorite" boolean NOT NULL,
	"metadata" jsonb NOT NULL,
	"ai_analysis" jsonb,
	"embedding" double precision[],
	"word_count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journal_store"."messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"deleted" boolean NOT NULL,
	"change_seq" bigint NOT NULL,
	"session_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"sequence" integer NOT NULL,
	"citations" jsonb NOT NULL,
	"latency_ms" integer,
	"tokens" integer,
	"model" text
);
--> statement-breakpoint
CREATE TABLE "journal_store"."migration_logs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"deleted" boolean NOT NULL,
	"change_seq" bigint NOT NULL,
	"run_id" text NOT NULL,
	"operation" text NOT NULL,
	"collection" text,
	"status" text NOT NULL,
	"counts" jsonb NOT NULL,
	"checkpoint" jsonb,
	"divergences_found" integer NOT NULL,
	"divergences_repaired" integer NOT NULL,
	"started_at" timestamp(3) with time zone NOT NULL,
	"finished_at" timestamp(3) with time zone,
	"duration_ms" bigint,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "journal_store"."psychology_content" (
	"id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"deleted" boolean NOT NULL,
	"change_seq" bigint NOT NULL,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"search_text" text NOT NULL,
	"category" text NOT NULL,
	"tags" text[] NOT NULL,
	"evidence_level" text NOT NULL,
	"source" text
);
--> statement-breakpoint
CREATE TABLE "journal_store"."user_analytics" (
	"id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"deleted" boolean NOT NULL,
	"change_seq" bigint NOT NULL,
	"user_id" uuid NOT NULL,
	"period" text NOT NULL,
	"period_start" date NOT NULL,
	"entry_count" integer NOT NULL,
	"average_mood" double precision,
	"word_count" integer NOT NULL,
	"top_tags" text[] NOT NULL,
	"streak" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journal_store"."users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"deleted" boolean NOT NULL,
	"change_seq" bigint NOT NULL,
	"email" text NOT NULL,
	"email_key" text NOT NULL,
	"display_name" text NOT NULL,
	"password_hash" text,
	"privacy_level" text NOT NULL,
	"preferences" jsonb NOT NULL,
	"timezone" text NOT NULL,
	"active" boolean NOT NULL,
	"last_login_at" timestamp(3) with time zone
);
--> statement-breakpoint
ALTER TABLE "journal_store"."chat_sessions" ADD CONSTRAINT "chat_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "journal_store"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journal_store"."journal_entries" ADD CONSTRAINT "journal_entries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "journal_store"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journal_store"."messages" ADD CONSTRAINT "messages_session_id_chat_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "journal_store"."chat_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journal_store"."messages" ADD CONSTRAINT "messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "journal_store"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journal_store"."user_analytics" ADD CONSTRAINT "user_analytics_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "journal_store"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_sessions_user_created_at_id" ON "journal_store"."chat_sessions" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "chat_sessions_user_updated_at_id" ON "journal_store"."chat_sessions" USING btree ("user_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "chat_sessions_change_seq" ON "journal_store"."chat_sessions" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "journal_entries_user_entry_date_id" ON "journal_store"."journal_entries" USING btree ("user_id","entry_date","id");--> statement-breakpoint
CREATE INDEX "journal_entries_user_created_at_id" ON "journal_store"."journal_entries" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "journal_entries_user_updated_at_id" ON "journal_store"."journal_entries" USING btree ("user_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "journal_entries_tags" ON "journal_store"."journal_entries" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "journal_entries_search_text_trgm" ON "journal_store"."journal_entries" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "journal_entries_change_seq" ON "journal_store"."journal_entries" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_session_sequence_live" ON "journal_store"."messages" USING btree ("session_id","sequence") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "messages_session_sequence_id" ON "journal_store"."messages" USING btree ("session_id","sequence","id");--> statement-breakpoint
CREATE INDEX "messages_session_created_at_id" ON "journal_store"."messages" USING btree ("session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "messages_user_id" ON "journal_store"."messages" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "messages_change_seq" ON "journal_store"."messages" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "migration_logs_run_id_started_at_id" ON "journal_store"."migration_logs" USING btree ("run_id","started_at","id");--> statement-breakpoint
CREATE INDEX "migration_logs_started_at_id" ON "journal_store"."migration_logs" USING btree ("started_at","id");--> statement-breakpoint
CREATE INDEX "migration_logs_created_at_id" ON "journal_store"."migration_logs" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "migration_logs_change_seq" ON "journal_store"."migration_logs" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "psychology_content_category_created_at_id" ON "journal_store"."psychology_content" USING btree ("category","created_at","id");--> statement-breakpoint
CREATE INDEX "psychology_content_created_at_id" ON "journal_store"."psychology_content" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "psychology_content_tags" ON "journal_store"."psychology_content" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "psychology_content_search_text_trgm" ON "journal_store"."psychology_content" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "psychology_content_change_seq" ON "journal_store"."psychology_content" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "user_analytics_user_period_live" ON "journal_store"."user_analytics" USING btree ("user_id","period","period_start") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "user_analytics_user_period_start_id" ON "journal_store"."user_analytics" USING btree ("user_id","period","period_start","id");--> statement-breakpoint
CREATE INDEX "user_analytics_user_created_at_id" ON "journal_store"."user_analytics" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "user_analytics_change_seq" ON "journal_store"."user_analytics" USING btree ("change_seq");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key_live" ON "journal_store"."users" USING btree ("email_key") WHERE deleted = false;--> statement-breakpoint
CREATE INDEX "users_created_at_id" ON "journal_store"."users" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "users_updated_at_id" ON "journal_store"."users" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "users_change_seq" ON "journal_store"."users" USING btree ("change_seq");