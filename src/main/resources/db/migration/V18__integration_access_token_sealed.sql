-- The access token beside the row (issue 21): the access token, its type, scope and expiry, sealed by the key ring
-- (AES-256-GCM, the integration id as associated data), written in the statement that records a new access token.
-- Nullable and additive: a previous-release pod neither reads nor writes it, and when it records a new access token
-- it leaves this value behind. The reader trusts a value only while the expiry and the refresh time sealed in it
-- equal the row's access_token_expires_at and last_refreshed_at (AccessTokenSeal), so such a value is stale and the
-- reader falls back to the token store.
ALTER TABLE integration ADD COLUMN access_token_sealed bytea;
