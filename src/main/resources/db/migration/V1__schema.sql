-- Integrations and their refresh bookkeeping. Tokens never live here: they live in the token store
-- under integration.secret_name.

CREATE TABLE tenant (
    id               text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    display_name     text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    refresh_paused   boolean     NOT NULL DEFAULT false,
    max_concurrency  integer     CHECK (max_concurrency IS NULL OR max_concurrency > 0),
    version          bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE integration (
    id                      uuid        PRIMARY KEY,
    tenant_id               text        NOT NULL REFERENCES tenant (id),
    provider                text        NOT NULL CHECK (provider IN ('google', 'microsoft', 'oauth2')),
    provider_group          text        NOT NULL CHECK (provider_group ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    external_account        text        NOT NULL CHECK (length(external_account) BETWEEN 1 AND 320),
    status                  text        NOT NULL CHECK (status IN ('active', 'expired', 'error')),
    access_token_expires_at timestamptz NOT NULL,
    -- when the stored tokens were last issued: at registration, then at each successful refresh
    last_refreshed_at       timestamptz NOT NULL,
    last_attempt_at         timestamptz,
    next_attempt_at         timestamptz,
    consecutive_failures    integer     NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    first_failure_at        timestamptz,
    last_error_code         text,
    last_error_message      text,
    secret_name             text        NOT NULL UNIQUE,
    lease_owner             text,
    lease_expires_at        timestamptz,
    version                 bigint      NOT NULL DEFAULT 0,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT integration_account_unique UNIQUE (tenant_id, provider, external_account),
    CONSTRAINT integration_lease_complete CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);

-- "Active and due" is either close to expiry or idle past the keep-alive age. Two partial indexes
-- let the planner answer the OR with a BitmapOr over active rows only, whatever the table size.
CREATE INDEX integration_due_by_expiry_idx ON integration (access_token_expires_at) WHERE status = 'active';
CREATE INDEX integration_due_by_idle_idx ON integration (last_refreshed_at) WHERE status = 'active';
CREATE INDEX integration_tenant_idx ON integration (tenant_id, created_at);
CREATE INDEX integration_status_idx ON integration (status);

CREATE TABLE refresh_attempt (
    id               bigserial   PRIMARY KEY,
    integration_id   uuid        NOT NULL REFERENCES integration (id) ON DELETE CASCADE,
    tenant_id        text        NOT NULL,
    run_id           uuid,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL,
    outcome          text        NOT NULL,
    provider_status  integer,
    error_code       text,
    duration_ms      integer     NOT NULL
);
CREATE INDEX refresh_attempt_integration_idx ON refresh_attempt (integration_id, started_at DESC);
CREATE INDEX refresh_attempt_started_idx ON refresh_attempt (started_at);

CREATE TABLE trigger_run (
    id           uuid        PRIMARY KEY,
    task         text        NOT NULL,
    trigger_kind text        NOT NULL CHECK (trigger_kind IN ('qstash', 'bearer', 'scheduler', 'manual')),
    message_id   text,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    outcome      text        NOT NULL CHECK (outcome IN ('running', 'completed', 'failed', 'skipped')),
    selected     integer     NOT NULL DEFAULT 0,
    refreshed    integer     NOT NULL DEFAULT 0,
    expired      integer     NOT NULL DEFAULT 0,
    errored      integer     NOT NULL DEFAULT 0,
    deferred     integer     NOT NULL DEFAULT 0,
    skipped      integer     NOT NULL DEFAULT 0,
    remaining    integer     NOT NULL DEFAULT 0,
    summary      jsonb
);
-- QStash retries reuse the message id: one run per (task, message id).
CREATE UNIQUE INDEX trigger_run_message_idx ON trigger_run (task, message_id) WHERE message_id IS NOT NULL;
CREATE INDEX trigger_run_recent_idx ON trigger_run (trigger_kind, finished_at DESC);

-- Accepted QStash signature ids, kept until their token expires, so a replay is refused on every replica.
CREATE TABLE used_signature (
    jti        text        PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX used_signature_expiry_idx ON used_signature (expires_at);

-- Who reactivated or paused what: the admin API's audit trail.
CREATE TABLE audit_event (
    id             bigserial   PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor          text        NOT NULL,
    action         text        NOT NULL,
    tenant_id      text,
    integration_id uuid,
    detail         text
);
