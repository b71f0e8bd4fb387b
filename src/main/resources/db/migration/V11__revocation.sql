-- Revocation on disconnect (issue 22). Additive only: a new table that the previous release never reads; its pods
-- disconnect without queueing, as before.

-- A disconnected grant's refresh token waiting to be revoked at its provider group's revocation endpoint. Written in
-- the transaction that deletes the integration row, so a crash neither loses it nor revokes a grant whose row lives
-- on (a rolled-back disconnect leaves no row here). The integration row is gone by then: no foreign key.
-- The tokens are sealed exactly as pending_rotation's (AES-256-GCM under refresher.refresh.pending-rotation-key,
-- 12-byte nonce then ciphertext and tag, the integration id as additional authenticated data): never in clear.
-- Each row lives until the endpoint takes it or refresher.revocation.max-age gives up on it: both delete it.
CREATE TABLE revocation (
    integration_id  uuid        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    provider_group  text        NOT NULL,
    sealed_tokens   bytea       NOT NULL,
    -- which key sealed them (first 8 bytes of SHA-256 of the key, hex), as in pending_rotation
    key_id          text        NOT NULL,
    created_at      timestamptz NOT NULL,
    -- when it is due: now for a new row, the backoff after a failure, the claim's lease while a replica sends it
    next_attempt_at timestamptz NOT NULL,
    -- the replica's claim that sends it (unique per claim); its outcome is written only while it still holds it
    claim_owner     text,
    attempts        integer     NOT NULL DEFAULT 0,
    -- the last failure's HTTP status, OAuth error code or transport kind: never text of the answer's body
    last_error      text
);

CREATE INDEX revocation_due ON revocation (next_attempt_at);
