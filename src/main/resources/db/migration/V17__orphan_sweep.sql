-- One orphan sweep per vault at a time, across replicas (tokenstore/sweep/OrphanSweeper): a sweep holds its vault's row
-- here, renewed (by the database's clock) before each Key Vault call, and gives the hold up when it ends; started_at
-- spaces sweeps so that replicas offering every interval sweep a vault about once per interval. One row per configured
-- vault, never more: nothing grows with traffic.
-- Additive only: the previous release never reads this table (it has no sweeper).
CREATE TABLE orphan_sweep (
    vault      text        PRIMARY KEY,
    owner      text        NOT NULL,
    started_at timestamptz NOT NULL,
    held_until timestamptz NOT NULL
);
