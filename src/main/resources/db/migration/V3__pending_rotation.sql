-- Refresh safety (issue 9). Additive: the previous release never reads these, and writes nothing they forbid.

-- A refresh token the provider rotated and the token store has not yet accepted, sealed with AES-256-GCM
-- (refresher.refresh.pending-rotation-key). Written before the store write, deleted once the store took it.
-- While a row exists here its integration is never claimed for a refresh (the old refresh token is spent), and
-- any replica holding the key finishes the write.
CREATE TABLE pending_rotation (
    integration_id  uuid        PRIMARY KEY REFERENCES integration (id) ON DELETE CASCADE,
    -- 12-byte nonce, then ciphertext and tag; the integration id is the additional authenticated data
    sealed_tokens   bytea       NOT NULL,
    -- first 8 bytes of SHA-256 of the key, hex: tells which key sealed the row (an ephemeral dev key, a rotated one)
    key_id          text        NOT NULL,
    run_id          uuid,
    started_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    last_attempt_at timestamptz
);

-- What was odd about a token response that was taken anyway (scope as an array, an unreadable expires_in).
ALTER TABLE refresh_attempt ADD COLUMN note text;

-- A run that a graceful shutdown stopped: it finished what it had started and released the rest.
ALTER TABLE trigger_run DROP CONSTRAINT trigger_run_outcome_check;
ALTER TABLE trigger_run ADD CONSTRAINT trigger_run_outcome_check
    CHECK (outcome IN ('running', 'completed', 'failed', 'skipped', 'interrupted'));
