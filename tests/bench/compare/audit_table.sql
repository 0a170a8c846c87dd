-- The do-it-yourself audit table an administrator would otherwise use (issue 7's comparison):
-- an append-only table of contribution records whose BEFORE INSERT trigger keeps a SHA-256 hash
-- chain, each row's hash covering the previous row's hash and the row's fields. Updates, deletes
-- and truncation are refused by triggers. Loaded with COPY by scripts/bench-compare.sh.
CREATE TABLE contributions (
  seq                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  person_id          char(18)      NOT NULL,
  scheme_id          text          NOT NULL,
  period             text          NOT NULL,
  base               numeric(14,2),
  personal           numeric(14,2),
  employer           numeric(14,2),
  collective_subsidy numeric(14,2),
  government_subsidy numeric(14,2),
  prev_hash          bytea         NOT NULL,
  row_hash           bytea         NOT NULL
);

-- The hashed form of a row: its fields and the previous hash, '|'-separated.
CREATE FUNCTION contribution_hash(prev bytea, c contributions) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(convert_to(concat_ws('|', encode(prev, 'hex'), c.seq, c.person_id, c.scheme_id,
                                     c.period, c.base, c.personal, c.employer,
                                     c.collective_subsidy, c.government_subsidy), 'UTF8'))
$$;

CREATE FUNCTION contributions_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  prev bytea;
BEGIN
  -- One writer at a time extends the chain.
  PERFORM pg_advisory_xact_lock(7001);
  SELECT row_hash INTO prev FROM contributions ORDER BY seq DESC LIMIT 1;
  NEW.prev_hash := coalesce(prev, '\x'::bytea);
  NEW.row_hash := contribution_hash(NEW.prev_hash, NEW);
  RETURN NEW;
END
$$;

CREATE FUNCTION contributions_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'contributions is append-only (% refused)', TG_OP;
END
$$;

CREATE TRIGGER chain BEFORE INSERT ON contributions
  FOR EACH ROW EXECUTE FUNCTION contributions_chain();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON contributions
  FOR EACH ROW EXECUTE FUNCTION contributions_append_only();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON contributions
  FOR EACH STATEMENT EXECUTE FUNCTION contributions_append_only();
