-- Topics (owned by a user; entries may name one through topic_id), and the fields an app's own
-- data needs: session description, tags and metadata, message metadata.
-- Edited after generation: the NOT NULL columns added to tables that may already hold rows get
-- their empty value through a temporary default, dropped at once (the facade sets every value).
CREATE TABLE "journal_store"."topics" (
	"id" uuid PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"deleted" boolean NOT NULL,
	"change_seq" bigint NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"color" text,
	"tags" text[] NOT NULL,
	"entry_count" integer NOT NULL,
	"last_entry_at" timestamp(3) with time zone,
	"metadata" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "journal_store"."chat_sessions" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "journal_store"."chat_sessions" ADD COLUMN "tags" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "journal_store"."chat_sessions" ALTER COLUMN "tags" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "journal_store"."chat_sessions" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "journal_store"."chat_sessions" ALTER COLUMN "metadata" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "journal_store"."journal_entries" ADD COLUMN "topic_id" uuid;--> statement-breakpoint
ALTER TABLE "journal_store"."messages" ADD COLUMN "metadata" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "journal_store"."messages" ALTER COLUMN "metadata" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "journal_store"."topics" ADD CONSTRAINT "topics_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "journal_store"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "topics_user_created_at_id" ON "journal_store"."topics" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "topics_user_updated_at_id" ON "journal_store"."topics" USING btree ("user_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "topics_change_seq" ON "journal_store"."topics" USING btree ("change_seq");--> statement-breakpoint
ALTER TABLE "journal_store"."journal_entries" ADD CONSTRAINT "journal_entries_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "journal_store"."topics"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "journal_entries_topic_entry_date_id" ON "journal_store"."journal_entries" USING btree ("topic_id","entry_date","id");