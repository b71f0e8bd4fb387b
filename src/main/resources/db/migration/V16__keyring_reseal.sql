-- The key ring (issue 21). Additive only: a new table that the previous release never reads.

-- Where the re-seal job (keyring/Reseal) stopped in each sealed table, so a restart resumes there: one row per table
-- (pending_rotation, revocation), never more. target_key is the key id rows are being moved to; a new current key starts
-- a new pass. after_id is the last row id of the last full batch, NULL once a pass is complete. No key and no sealed value
-- is ever kept here.
CREATE TABLE keyring_reseal (
    table_name text        PRIMARY KEY,
    target_key text        NOT NULL,
    after_id   uuid,
    -- rows moved to target_key, and rows no key of the ring opened (logged), since target_key was set
    resealed   bigint      NOT NULL DEFAULT 0,
    skipped    bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
