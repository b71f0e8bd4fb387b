-- Status webhooks (issue 12). Additive only: pods of the previous release ignore these tables and the new
-- column, whose default keeps their inserts valid.

-- Grows with every status change of an integration, so a receiver can drop an event older than one it has seen.
ALTER TABLE integration ADD COLUMN status_version bigint NOT NULL DEFAULT 0;

-- Where a tenant wants its events. The signing secret is in the token store under secret_name, never here;
-- secret_version changes with every rotation so replicas know their cached copy is stale.
CREATE TABLE webhook_endpoint (
    id              uuid        PRIMARY KEY,
    tenant_id       text        NOT NULL REFERENCES tenant (id),
    url             text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    -- comma-separated event types, e.g. 'integration.expired,integration.recovered'
    events          text        NOT NULL,
    enabled         boolean     NOT NULL DEFAULT true,
    disabled_reason text,
    secret_name     text        NOT NULL UNIQUE,
    secret_version  integer     NOT NULL DEFAULT 1,
    -- first failed attempt since the last success; an endpoint failing for refresher.webhooks.disable-after is disabled
    failing_since   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoint_tenant_idx ON webhook_endpoint (tenant_id, created_at);

-- The outbox: one row per event, written in the transaction that made the status change. The payload is kept as
-- the exact text that is signed and sent, so every retry carries the same bytes.
CREATE TABLE webhook_event (
    id             uuid        PRIMARY KEY,
    tenant_id      text        NOT NULL,
    -- no foreign key: integration.deleted outlives its integration
    integration_id uuid,
    type           text        NOT NULL,
    status_version bigint,
    payload        text        NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX webhook_event_created_idx ON webhook_event (created_at);

-- One row per event and subscribed endpoint. The id orders deliveries: per endpoint and integration, a delivery
-- is sent only when no earlier one is still pending.
CREATE TABLE webhook_delivery (
    id                   bigserial   PRIMARY KEY,
    event_id             uuid        NOT NULL REFERENCES webhook_event (id) ON DELETE CASCADE,
    endpoint_id          uuid        NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    integration_id       uuid,
    status               text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'dead')),
    attempts             integer     NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL,
    lease_owner          text,
    lease_expires_at     timestamptz,
    last_attempt_at      timestamptz,
    last_response_status integer,
    last_error           text,
    created_at           timestamptz NOT NULL,
    finished_at          timestamptz,
    CONSTRAINT webhook_delivery_lease_complete CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_delivery_order_idx ON webhook_delivery (endpoint_id, integration_id, id) WHERE status = 'pending';
CREATE INDEX webhook_delivery_endpoint_idx ON webhook_delivery (endpoint_id, id DESC);
CREATE INDEX webhook_delivery_event_idx ON webhook_delivery (event_id);
