-- Retention (issue 22): audit_event becomes partitioned by day on its time column, so that the retention job
-- (retention/RetentionJob) purges it by dropping whole partitions instead of deleting rows one by one; and two indexes
-- let the other tables' batched purges find their oldest rows without scanning.
--
-- A pod of the previous release keeps working against this schema unchanged: it inserts
-- (actor, action, tenant_id, integration_id, detail) into audit_event, with id and at from their defaults, and reads
-- one tenant's rows by (tenant_id, at, id). The name audit_event now resolves to the partitioned table with the same
-- columns, the same defaults (the same id sequence) and the same tenant index, so both statements mean what they
-- meant. AuditPartitionUpgradeTest runs the previous release's literal statements against it.
--
-- The old table is renamed and attached as the partition of everything before the cutover (the next midnight, UTC),
-- without a copy: its rows stay where they are and are dropped with it once the newest of them is past
-- refresher.retention.audit. The attach does not scan it, because a validated CHECK constraint already proves its
-- rows belong there; validating that constraint reads the table once, under this migration's lock (docs/UPGRADING.md
-- says how long that takes and how to shorten it).
--
-- The RENAME is the one deliberate exception to "migrations only add" (MigrationsAreAdditiveTest names it): no pod
-- of any release refers to the old table by a name other than audit_event, and that name keeps answering.

DO $$
DECLARE
    cutover timestamptz := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day';
BEGIN
    ALTER TABLE audit_event RENAME TO audit_event_legacy;

    EXECUTE format('ALTER TABLE audit_event_legacy ADD CONSTRAINT audit_event_legacy_bound CHECK (at < %L) NOT VALID',
            cutover);
    ALTER TABLE audit_event_legacy VALIDATE CONSTRAINT audit_event_legacy_bound;
    -- the partitioned table's key is (id, at): a partition key column must be in it; id alone stays unique by its sequence
    CREATE UNIQUE INDEX IF NOT EXISTS audit_event_legacy_id_at ON audit_event_legacy (id, at);
    ALTER TABLE audit_event_legacy ADD CONSTRAINT audit_event_legacy_id_at UNIQUE USING INDEX audit_event_legacy_id_at;

    CREATE TABLE audit_event (
        id             bigint      NOT NULL DEFAULT nextval('audit_event_id_seq'),
        at             timestamptz NOT NULL DEFAULT now(),
        actor          text        NOT NULL,
        action         text        NOT NULL,
        tenant_id      text,
        integration_id uuid,
        detail         text,
        CONSTRAINT audit_event_id_at_pkey PRIMARY KEY (id, at)
    ) PARTITION BY RANGE (at);
    -- the sequence must outlive the legacy partition, which the retention job drops one day
    ALTER SEQUENCE audit_event_id_seq OWNED BY audit_event.id;
    CREATE INDEX audit_event_by_tenant_idx ON audit_event (tenant_id, at DESC, id DESC);

    EXECUTE format('ALTER TABLE audit_event ATTACH PARTITION audit_event_legacy FOR VALUES FROM (MINVALUE) TO (%L)',
            cutover);
    -- today's and the next days' partitions are the retention job's (refresher.retention.audit-days-ahead); the first
    -- two are created here so that a release whose job has not yet run writes into partitions all the same
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)',
            'audit_event_p' || to_char(cutover AT TIME ZONE 'UTC', 'YYYYMMDD'), cutover, cutover + interval '1 day');
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)',
            'audit_event_p' || to_char((cutover + interval '1 day') AT TIME ZONE 'UTC', 'YYYYMMDD'),
            cutover + interval '1 day', cutover + interval '2 days');
END $$;

-- A row whose day has no partition (the job did not run for longer than the days it creates ahead) lands here rather
-- than failing the audited call; the job moves such rows into their day's partition when it creates it.
CREATE TABLE audit_event_default PARTITION OF audit_event DEFAULT;

-- The batched purges' ways to their oldest rows (retention/): settled deliveries by when they settled, tombstones by age.
-- Building them locks the table against writes while it runs; on a large table create them beforehand with
-- CONCURRENTLY (docs/UPGRADING.md) and this migration finds them in place.
CREATE INDEX IF NOT EXISTS webhook_delivery_settled_idx ON webhook_delivery (finished_at) WHERE status <> 'pending';
CREATE INDEX IF NOT EXISTS disconnected_integration_at_idx ON disconnected_integration (disconnected_at);
