-- Hosted consent (connect/). Additive only: the previous release never reads these tables.

-- The redirect URIs a tenant's connect sessions may send the user back to (PUT /admin/tenants/{id}/redirect-uris),
-- managed by the operator and matched exactly. No rows: the tenant cannot create connect sessions. Grows with tenants
-- and their lists, not with traffic.
CREATE TABLE tenant_redirect_uri (
    tenant_id    text NOT NULL REFERENCES tenant (id),
    redirect_uri text NOT NULL CHECK (length(redirect_uri) BETWEEN 1 AND 2048),
    PRIMARY KEY (tenant_id, redirect_uri)
);

-- One connect session: created by the tenant API, opened once by the user's browser (GET /connect/{session}), ended
-- once by the provider's callback. The session and the state are bearer capabilities: only their SHA-256 hashes are
-- kept, as is the hash of the cookie that binds the callback to the browser that opened the session. The PKCE
-- verifier is sealed with the key ring (keyring/: AES-256-GCM, the row id as associated data; verifier_key_id names
-- the key). Rows are short-lived and purged a day after they expire (ConnectSessionRepository.purgeExpired), so the
-- table grows with the connect rate over one day, not with time.
CREATE TABLE connect_session (
    id               uuid        PRIMARY KEY,
    session_hash     bytea       NOT NULL UNIQUE,
    tenant_id        text        NOT NULL REFERENCES tenant (id),
    provider_group   text        NOT NULL,
    scopes           text        NOT NULL,
    redirect_uri     text        NOT NULL,
    integration_id   uuid,
    login_hint       text,
    created_by       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    -- set once, when the browser opens the session
    state_hash       bytea       UNIQUE,
    browser_hash     bytea,
    verifier_sealed  bytea,
    verifier_key_id  text,
    opened_at        timestamptz,
    -- set once, when the callback (or a refusal) ends it
    ended_at         timestamptz,
    outcome          text,
    CONSTRAINT connect_session_opened_whole CHECK (
        (opened_at IS NULL) = (state_hash IS NULL) AND (opened_at IS NULL) = (browser_hash IS NULL)
        AND (verifier_sealed IS NULL OR opened_at IS NOT NULL)),
    -- the verifier goes when the session ends: nothing can use it any more
    CONSTRAINT connect_session_verifier_gone CHECK (ended_at IS NULL OR verifier_sealed IS NULL)
);

CREATE INDEX connect_session_expiry ON connect_session (expires_at);
