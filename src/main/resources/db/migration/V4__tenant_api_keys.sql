-- Tenant API keys: the host application's credentials for /v1/*. Only a SHA-256 hash of each key is kept;
-- a key is 256 random bits, so a hash without salt or stretching cannot be reversed or guessed.
-- Additive only: the previous release never reads this table.
CREATE TABLE api_key (
    id           uuid        PRIMARY KEY,
    tenant_id    text        NOT NULL REFERENCES tenant (id),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- space-separated, e.g. 'integrations:read tokens:read'
    scopes       text        NOT NULL,
    key_hash     bytea       NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_key_tenant_idx ON api_key (tenant_id, created_at);

-- Disconnected integrations: the row itself is deleted (its secret is deleted from the token store first), so
-- the previous release's queries, which know nothing of disconnection, cannot claim or refresh it. This
-- tombstone only lets a repeated DELETE by the same tenant answer 204 while any other id stays a 404.
CREATE TABLE disconnected_integration (
    id              uuid        PRIMARY KEY,
    tenant_id       text        NOT NULL,
    disconnected_at timestamptz NOT NULL DEFAULT now()
);
