-- The sealed layout (issue 21): an integration whose row records the location 'database' (integration.vault) keeps its
-- token document here, sealed by the key ring (AES-256-GCM, the integration id as associated data, the key id inside the
-- value and beside it for the re-seal job), instead of in a Key Vault secret. A refresh of such a row costs no vault
-- transaction.
-- Additive only: a pod of the previous release never reads this table. It does not know the location 'database' either,
-- so it leaves such rows untouched (deferred as vault-not-configured) instead of refreshing them: assign new
-- integrations to 'database', or move a tenant there, only once every pod runs this release (docs/UPGRADING.md).
-- ON DELETE CASCADE: a disconnect deletes the sealed tokens in the transaction that deletes the row, whichever release's
-- pod runs it.
CREATE TABLE integration_token (
    integration_id uuid        PRIMARY KEY REFERENCES integration (id) ON DELETE CASCADE,
    sealed_tokens  bytea       NOT NULL,
    key_id         text        NOT NULL,
    -- the store's version of the document: 1 on the first write, +1 on each replacement
    version        bigint      NOT NULL DEFAULT 1,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
