-- Fair shares for status webhooks (issue 19). Additive only: pods of the previous release neither read nor write
-- these columns, and the defaults keep their inserts valid.

-- How many test and replay requests an endpoint had in the window that began at manual_sends_since
-- (refresher.webhooks.manual-send-limit per refresher.webhooks.manual-send-window).
ALTER TABLE webhook_endpoint
    ADD COLUMN manual_sends       integer NOT NULL DEFAULT 0,
    ADD COLUMN manual_sends_since timestamptz;
