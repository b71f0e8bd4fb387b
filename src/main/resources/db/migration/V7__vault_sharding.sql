-- Key Vault sharding (issue 14). Additive only: pods of the previous release never read or write the new column
-- and the new table, so they keep working during a rolling update.

-- Which configured vault (refresher.token-store.key-vault.vaults) holds the integration's tokens. Recorded when the
-- row is inserted and changed only by a vault move, never recomputed. NULL means 'default': rows written by the
-- previous release, which knows one vault only.
ALTER TABLE integration ADD COLUMN vault text;

-- NULL stays allowed for the previous release's inserts. NOT VALID: the column was just added, so every existing
-- row is NULL and validating would only scan the whole table under this migration's exclusive lock; new and
-- updated rows are checked all the same. No index: no query selects rows by vault alone (claims only leave some
-- vaults out of a scan that the due index drives).
ALTER TABLE integration ADD CONSTRAINT integration_vault_name
    CHECK (vault IS NULL OR vault ~ '^[a-z0-9-]{1,24}$') NOT VALID;

-- One row per live replica, upserted every refresher.token-store.key-vault.heartbeat-interval: the replicas that
-- share each vault's request budget. A replica deletes its own row on shutdown; rows of crashed replicas are
-- deleted by whoever heartbeats once they are an hour old.
CREATE TABLE replica_heartbeat (
    replica_id text        PRIMARY KEY,
    seen_at    timestamptz NOT NULL
);
