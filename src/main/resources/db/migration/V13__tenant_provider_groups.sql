-- The provider groups a tenant may register integrations in (PUT /admin/tenants/{id}/provider-groups): a tenant
-- without rows may use every configured group, as every tenant could before. One row per allowed group: grows with
-- tenants and their lists, not with traffic.
-- Additive only: the previous release never reads this table (its registrations allow every group, as before).
CREATE TABLE tenant_provider_group (
    tenant_id      text NOT NULL REFERENCES tenant (id),
    provider_group text NOT NULL,
    PRIMARY KEY (tenant_id, provider_group)
);
