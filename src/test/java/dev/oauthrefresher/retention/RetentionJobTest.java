package dev.oauthrefresher.retention;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.Seeder;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The one purge job on real PostgreSQL: each family loses only rows older than its setting (the test profile keeps
 * the defaults: 90d audit, 30d webhooks, trigger runs, attempts and tombstones, 10m used signatures, 1h heartbeats),
 * undelivered outbox rows stay however old, a replica that finds the lock held purges nothing, and partitions are
 * created ahead and dropped behind.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class RetentionJobTest {

    @Inject
    RetentionJob job;

    @Inject
    RetentionRepository repository;

    @Inject
    Seeder seeder;

    @Inject
    MeterRegistry registry;

    @Inject
    EntityManager em;

    @Test
    void shouldPurgeOnlyRowsOlderThanEachFamilysSettingAndKeepUndeliveredOutboxRows() {
        String tenant = seeder.tenant("retention");
        UUID integration = integration(tenant);
        UUID endpoint = UUID.randomUUID();
        sql("INSERT INTO webhook_endpoint (id, tenant_id, url, events, secret_name) VALUES ('" + endpoint + "', '" + tenant
                + "', 'https://receiver.example/hook', 'integration.expired', 'whsec-" + endpoint + "')");
        // webhooks: settled 40 days ago goes with its event; pending since 40 days, or settled 10 days ago, stays
        UUID delivered = event(tenant, "40 days", "succeeded", "40 days");
        UUID undelivered = event(tenant, "40 days", "pending", null);
        UUID recentlyDead = event(tenant, "40 days", "dead", "10 days");
        UUID noDelivery = event(tenant, "40 days", null, null);
        UUID young = event(tenant, "1 day", null, null);
        sql("INSERT INTO refresh_attempt (integration_id, tenant_id, started_at, finished_at, outcome, duration_ms) VALUES "
                + "('" + integration + "', '" + tenant + "', now() - interval '31 days', now() - interval '31 days', 'old', 1), "
                + "('" + integration + "', '" + tenant + "', now() - interval '29 days', now() - interval '29 days', 'young', 1)");
        UUID oldRun = UUID.randomUUID();
        UUID abandonedRun = UUID.randomUUID();
        UUID youngRun = UUID.randomUUID();
        sql("INSERT INTO trigger_run (id, task, trigger_kind, started_at, finished_at, outcome) VALUES "
                + "('" + oldRun + "', 'retention-test', 'manual', now() - interval '31 days', now() - interval '31 days', 'completed'), "
                + "('" + abandonedRun + "', 'retention-test', 'manual', now() - interval '31 days', null, 'running'), "
                + "('" + youngRun + "', 'retention-test', 'manual', now() - interval '29 days', now() - interval '29 days', 'completed')");
        UUID oldTombstone = UUID.randomUUID();
        UUID youngTombstone = UUID.randomUUID();
        sql("INSERT INTO disconnected_integration (id, tenant_id, disconnected_at) VALUES "
                + "('" + oldTombstone + "', '" + tenant + "', now() - interval '31 days'), "
                + "('" + youngTombstone + "', '" + tenant + "', now() - interval '29 days')");
        sql("INSERT INTO used_signature (jti, expires_at) VALUES ('" + tenant + "-old', now() - interval '11 minutes'), "
                + "('" + tenant + "-replayable', now() - interval '9 minutes')");
        sql("INSERT INTO replica_heartbeat (replica_id, seen_at) VALUES ('" + tenant + "-gone', now() - interval '61 minutes'), "
                + "('" + tenant + "-live', now() - interval '59 minutes')");

        UUID oldSession = UUID.randomUUID();
        UUID youngSession = UUID.randomUUID();
        sql("INSERT INTO connect_session (id, session_hash, tenant_id, provider_group, scopes, redirect_uri, created_by, "
                + "created_at, expires_at) VALUES "
                + "('" + oldSession + "', decode(md5('" + oldSession + "'), 'hex'), '" + tenant + "', 'g', 's', 'https://a.test', "
                + "'test', now() - interval '25 hours', now() - interval '25 hours'), "
                + "('" + youngSession + "', decode(md5('" + youngSession + "'), 'hex'), '" + tenant + "', 'g', 's', 'https://a.test', "
                + "'test', now() - interval '23 hours', now() - interval '23 hours')");

        RetentionJob.Pass pass = job.runOnce();

        assertThat(pass.ran()).isTrue();
        assertThat(pass.failed()).isEmpty();
        assertThat(scalar("SELECT string_agg(CAST(id AS text), ',') FROM connect_session WHERE tenant_id = '" + tenant + "'"))
                .as("connect sessions: only the one expired within a day is kept").isEqualTo(youngSession.toString());
        assertThat(count("webhook_event WHERE id IN ('" + delivered + "', '" + noDelivery + "')")).isZero();
        assertThat(count("webhook_delivery WHERE event_id = '" + delivered + "'")).isZero();
        assertThat(count("webhook_event WHERE id IN ('" + undelivered + "', '" + recentlyDead + "', '" + young + "')")).isEqualTo(3);
        assertThat(count("webhook_delivery WHERE event_id IN ('" + undelivered + "', '" + recentlyDead + "')")).isEqualTo(2);
        assertThat(scalar("SELECT string_agg(outcome, ',') FROM refresh_attempt WHERE integration_id = '" + integration + "'"))
                .isEqualTo("young");
        assertThat(scalar("SELECT string_agg(CAST(id AS text), ',') FROM trigger_run WHERE task = 'retention-test'"))
                .isEqualTo(youngRun.toString());
        assertThat(scalar("SELECT string_agg(CAST(id AS text), ',') FROM disconnected_integration WHERE tenant_id = '"
                + tenant + "'")).isEqualTo(youngTombstone.toString());
        assertThat(scalar("SELECT string_agg(jti, ',') FROM used_signature WHERE jti LIKE '" + tenant + "-%'"))
                .isEqualTo(tenant + "-replayable");
        assertThat(scalar("SELECT string_agg(replica_id, ',') FROM replica_heartbeat WHERE replica_id LIKE '" + tenant + "-%'"))
                .isEqualTo(tenant + "-live");
        assertThat(pass.purged()).containsKeys("webhook_delivery", "webhook_event", "refresh_attempt", "trigger_run",
                "disconnected_integration", "used_signature", "replica_heartbeat", "connect_session");
        // the pending delivery's event, 40 days old, is not what the gauge measures: nothing left is past its setting
        assertThat(gauge("refresher.retention.oldest", "webhook_event")).isLessThan(gauge("refresher.retention.allowed",
                "webhook_event"));
        assertThat(gauge("refresher.retention.oldest", "refresh_attempt")).isBetween(28 * 86400.0, 30 * 86400.0);
        assertThat(registry.get("refresher.retention.last.purge.timestamp").gauge().value()).isPositive();
    }

    @Test
    void shouldPurgeNothingWhileAnotherReplicaHoldsTheLock() throws SQLException {
        String tenant = seeder.tenant("retention-lock");
        UUID tombstone = UUID.randomUUID();
        sql("INSERT INTO disconnected_integration (id, tenant_id, disconnected_at) VALUES ('" + tombstone + "', '" + tenant
                + "', now() - interval '40 days')");
        double busyBefore = registry.get("refresher.retention.passes").tag("result", "busy").counter().count();

        // another replica's session, holding the lock between its own transactions
        try (Connection other = DriverManager.getConnection(EmbeddedPostgresResource.jdbcUrl(), "postgres", "postgres");
                Statement statement = other.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + RetentionRepository.LOCK_KEY + ")");
            RetentionJob.Pass pass = job.runOnce();

            assertThat(pass.ran()).isFalse();
            assertThat(pass.purged()).isEmpty();
            assertThat(pass.dropped()).isEmpty();
            assertThat(count("disconnected_integration WHERE id = '" + tombstone + "'")).isOne();
            assertThat(registry.get("refresher.retention.passes").tag("result", "busy").counter().count())
                    .isEqualTo(busyBefore + 1);
            statement.execute("SELECT pg_advisory_unlock(" + RetentionRepository.LOCK_KEY + ")");
        }

        assertThat(job.runOnce().ran()).isTrue();
        assertThat(count("disconnected_integration WHERE id = '" + tombstone + "'")).isZero();
    }

    @Test
    void shouldCreateAuditPartitionsAheadSoThatEveryDayUpToTheHorizonHasOne() {
        job.runOnce();

        LocalDate today = LocalDate.ofInstant(QuarkusTransaction.requiringNew().call(repository::now), ZoneOffset.UTC);
        for (int ahead = 1; ahead <= 7; ahead++) {
            LocalDate day = today.plusDays(ahead);
            String at = day + "T12:00:00Z";
            Object partition = QuarkusTransaction.requiringNew().call(() -> {
                em.createNativeQuery("INSERT INTO audit_event (at, actor, action) VALUES (CAST(:at AS timestamptz), "
                        + "'system', 'retention.probe')").setParameter("at", at).executeUpdate();
                return em.createNativeQuery("SELECT CAST(tableoid AS regclass) FROM audit_event WHERE action = "
                        + "'retention.probe' AND at = CAST(:at AS timestamptz)").setParameter("at", at).getSingleResult();
            });
            assertThat(partition.toString()).as("the partition a row of %s lands in", day)
                    .isEqualTo("audit_event_p" + day.toString().replace("-", ""));
        }
        sql("DELETE FROM audit_event WHERE action = 'retention.probe'");
    }

    @Test
    void shouldDropOnlyPartitionsPastTheRetentionAndMoveStrayRowsOutOfTheDefault() {
        Instant now = QuarkusTransaction.requiringNew().call(repository::now);
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        // a table shaped like audit_event after V14: an attached legacy partition, daily ones, and a default
        sql("DROP TABLE IF EXISTS retention_probe");
        sql("CREATE TABLE retention_probe (id bigserial, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)");
        sql("CREATE TABLE retention_probe_legacy PARTITION OF retention_probe FOR VALUES FROM (MINVALUE) TO ('"
                + midnight(today.minusDays(95)) + "')");
        for (int back = 95; back > 85; back--) {
            repositoryCreates(today.minusDays(back));
        }
        sql("CREATE TABLE retention_probe_default PARTITION OF retention_probe DEFAULT");
        sql("INSERT INTO retention_probe (at) VALUES ('" + midnight(today.minusDays(200)) + "'), ('"
                + midnight(today.minusDays(91)).plusSeconds(3600) + "'), ('" + midnight(today.minusDays(90)).plusSeconds(3600)
                + "'), ('" + midnight(today.minusDays(80)).plusSeconds(3600) + "')");

        RetentionJob.Pass pass = job.pass(now, List.of(probe()));

        List<String> kept = partitionsOfProbe();
        assertThat(pass.dropped()).containsExactlyInAnyOrder("retention_probe_legacy", "retention_probe_p" + day(today.minusDays(95)),
                "retention_probe_p" + day(today.minusDays(94)), "retention_probe_p" + day(today.minusDays(93)),
                "retention_probe_p" + day(today.minusDays(92)), "retention_probe_p" + day(today.minusDays(91)));
        assertThat(kept).contains("retention_probe_default", "retention_probe_p" + day(today.minusDays(90)),
                "retention_probe_p" + day(today.minusDays(80)), "retention_probe_p" + day(today.plusDays(7)))
                .doesNotContain("retention_probe_p" + day(today.plusDays(8)))
                .hasSize(1 + 91 + 7);
        // the day-90 row is kept; the day-80 row, which had no partition, left the default for its day's
        assertThat(count("retention_probe")).isEqualTo(2);
        assertThat(count("retention_probe_default")).isZero();
        assertThat(count("retention_probe_p" + day(today.minusDays(80)))).isOne();
        sql("DROP TABLE retention_probe");
    }

    private void repositoryCreates(LocalDate day) {
        QuarkusTransaction.requiringNew().run(() -> repository.createDay("retention_probe", "at", null, day));
    }

    private List<String> partitionsOfProbe() {
        return QuarkusTransaction.requiringNew().call(() -> repository.partitions("retention_probe")).stream()
                .map(RetentionRepository.Partition::name).toList();
    }

    private static RetainedTable.Partitioned probe() {
        return new RetainedTable.Partitioned() {
            @Override
            public RetentionFamily family() {
                return RetentionFamily.AUDIT;
            }

            @Override
            public String table() {
                return "retention_probe";
            }

            @Override
            public String column() {
                return "at";
            }

            @Override
            public Optional<Instant> oldest() {
                return Optional.empty();
            }
        };
    }

    private static Instant midnight(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static String day(LocalDate day) {
        return day.toString().replace("-", "");
    }

    private UUID integration(String tenant) {
        UUID id = UUID.randomUUID();
        sql("INSERT INTO integration (id, tenant_id, provider, provider_group, external_account, status, "
                + "access_token_expires_at, last_refreshed_at, secret_name) VALUES ('" + id + "', '" + tenant
                + "', 'google', 'google-default', 'someone@example.com', 'active', now(), now(), 'rt-" + id + "')");
        return id;
    }

    /** An event created {@code age} ago with one delivery of {@code status} settled {@code settledAgo} ago, or none. */
    private UUID event(String tenant, String age, String status, String settledAgo) {
        UUID id = UUID.randomUUID();
        sql("INSERT INTO webhook_event (id, tenant_id, type, payload, created_at) VALUES ('" + id + "', '" + tenant
                + "', 'integration.expired', '{}', now() - interval '" + age + "')");
        if (status != null) {
            sql("INSERT INTO webhook_delivery (event_id, endpoint_id, status, next_attempt_at, created_at, finished_at) "
                    + "SELECT '" + id + "', e.id, '" + status + "', now(), now() - interval '" + age + "', "
                    + (settledAgo == null ? "NULL" : "now() - interval '" + settledAgo + "'")
                    + " FROM webhook_endpoint e WHERE e.tenant_id = '" + tenant + "'");
        }
        return id;
    }

    private double gauge(String name, String table) {
        return registry.get(name).tag("table", table).gauge().value();
    }

    private void sql(String sql) {
        seeder.sql(sql, Map.of());
    }

    private long count(String from) {
        return seeder.count("SELECT count(*) FROM " + from, Map.of());
    }

    private Object scalar(String sql) {
        return seeder.scalar(sql, Map.of());
    }
}
