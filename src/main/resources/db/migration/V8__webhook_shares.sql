-- Fair shares for status webhooks (issue 19). Additive only: pods of the previous release neither read nor write
-- these columns, and the defaults keep their inserts valid.

-- How many test and replay requests an endpoint had in the window that began at manual_sends_since
-- (refresher.webhooks.manual-send-limit per refresher.webhooks.manual-send-window).
ALTER TABLE webhook_endpoint
    ADD COLUMN manual_sends       integer NOT NULL DEFAULT 0,
    ADD COLUMN manual_sends_since timestamptz;

-- Claims walk each endpoint's due deliveries oldest first and stop at its free share of the in-flight cap, however
-- long its backlog; and they count what is in flight (leased) without reading the settled history.
CREATE INDEX webhook_delivery_claim_idx ON webhook_delivery (endpoint_id, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_delivery_leased_idx ON webhook_delivery (endpoint_id)
    WHERE status = 'pending' AND lease_owner IS NOT NULL;
