-- What a superuser (or anyone holding the database's files) can do to the audit table: switch
-- the triggers off, change a record, and re-chain every later row. The chain then verifies as
-- before; nothing outside the database remembers what it said. psql variable :target is the
-- row changed (its seq).
BEGIN;
SELECT set_config('pbl.target', :'target', true);
SET LOCAL session_replication_role = replica;  -- ordinary triggers do not fire
UPDATE contributions SET base = base + 100, personal = personal + 8 WHERE seq = :target;
DO $$
DECLARE
  target bigint := current_setting('pbl.target')::bigint;
  r contributions;
  prev bytea;
BEGIN
  SELECT row_hash INTO prev FROM contributions WHERE seq < target ORDER BY seq DESC LIMIT 1;
  prev := coalesce(prev, '\x'::bytea);
  FOR r IN SELECT * FROM contributions WHERE seq >= target ORDER BY seq LOOP
    UPDATE contributions SET prev_hash = prev, row_hash = contribution_hash(prev, r)
      WHERE seq = r.seq
      RETURNING row_hash INTO prev;
  END LOOP;
END
$$;
COMMIT;
