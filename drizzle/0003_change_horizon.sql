-- The change feed's horizon (Backend.changeHorizon). A change_seq is taken when a row is written,
-- not when its transaction commits, so a reader of change_seq > N can see 41 and 43 while 42's
-- transaction is still open. Every writing transaction therefore takes one extra value first and
-- holds a shared advisory lock keyed by it until it ends; each of its rows gets a later value.
-- change_horizon() reads the sequence, then the lowest such key still held: no row at or below
-- the result can commit later. Keys live in their own namespace (0x4A53 in the top 16 bits).
CREATE OR REPLACE FUNCTION "journal_store"."next_change_seq"() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  xact text := pg_current_xact_id()::text;
  guard bigint;
BEGIN
  IF current_setting('journal_store.feed_xact', true) IS DISTINCT FROM xact THEN
    guard := nextval('"journal_store"."change_seq"');
    PERFORM pg_advisory_xact_lock_shared((19027::bigint << 48) | guard);
    PERFORM set_config('journal_store.feed_xact', xact, true);
  END IF;
  RETURN nextval('"journal_store"."change_seq"');
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "journal_store"."change_horizon"() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  taken bigint;
  oldest bigint;
BEGIN
  -- First the last value handed out, then the open writers: the order is what makes it safe.
  SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO taken FROM "journal_store"."change_seq";
  SELECT min((((l.classid::bigint) << 32) | l.objid::bigint) & ((1::bigint << 48) - 1)) INTO oldest
    FROM pg_catalog.pg_locks l
   WHERE l.locktype = 'advisory' AND l.objsubid = 1
     AND (l.classid::bigint >> 16) = 19027
     AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database());
  RETURN LEAST(taken, COALESCE(oldest - 1, taken));
END;
$$;
