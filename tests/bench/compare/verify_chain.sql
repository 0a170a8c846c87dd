-- Recomputes every row's hash and checks each row's prev_hash against the row before it.
-- Prints the number of rows checked and the number that do not verify.
SELECT count(*) AS rows_checked,
       count(*) FILTER (WHERE prev_hash IS DISTINCT FROM coalesce(lag_hash, '\x'::bytea)
                           OR row_hash <> contribution_hash(prev_hash, c)) AS rows_bad
FROM (SELECT c, prev_hash, row_hash, lag(row_hash) OVER (ORDER BY seq) AS lag_hash
      FROM contributions c) AS chained;
