-- One tenant's audit trail, newest first, paged by (at, id) (GET /admin/tenants/{id}/audit, AuditTrail): without it
-- every page would scan the whole table, which grows with every audited token read.
-- Building it locks audit_event against writes while it runs; on a large table create it beforehand, without that
-- lock, with the statement below and CONCURRENTLY (docs/UPGRADING.md), and this migration finds it in place.
-- Additive: the previous release never reads it.
CREATE INDEX IF NOT EXISTS audit_event_tenant_idx ON audit_event (tenant_id, at DESC, id DESC);
