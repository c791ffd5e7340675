-- GIN indexes written on every entry insert: no pending list. With fastupdate on, inserts append
-- to a pending list that the inserting backend must merge into the index once it passes
-- gin_pending_list_limit (or autovacuum does), a burst of work that shows up as a latency spike
-- for every request. Off: each insert updates the index directly, a small constant cost.
-- ALTER INDEX keeps existing indexes (no rebuild); the pending entries already there are merged now.
ALTER INDEX "journal_store"."journal_entries_tags" SET (fastupdate = false);--> statement-breakpoint
ALTER INDEX "journal_store"."journal_entries_search_text_trgm" SET (fastupdate = false);--> statement-breakpoint
ALTER INDEX "journal_store"."psychology_content_tags" SET (fastupdate = false);--> statement-breakpoint
ALTER INDEX "journal_store"."psychology_content_search_text_trgm" SET (fastupdate = false);--> statement-breakpoint
SELECT gin_clean_pending_list('"journal_store"."journal_entries_tags"'::regclass);--> statement-breakpoint
SELECT gin_clean_pending_list('"journal_store"."journal_entries_search_text_trgm"'::regclass);--> statement-breakpoint
SELECT gin_clean_pending_list('"journal_store"."psychology_content_tags"'::regclass);--> statement-breakpoint
SELECT gin_clean_pending_list('"journal_store"."psychology_content_search_text_trgm"'::regclass);
