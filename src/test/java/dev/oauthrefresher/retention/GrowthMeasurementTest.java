package dev.oauthrefresher.retention;

import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The measurement behind docs/RETENTION.md's growth table: how many rows each table gains per token read and per
 * refresh (a real run through {@code POST /cron/...} and real {@code /v1} reads), how many bytes a row of each table
 * costs with its indexes ({@code pg_total_relation_size} over copies of the rows the run wrote, in scratch tables
 * made {@code LIKE} the real ones {@code INCLUDING ALL}), and how fast the retention job deletes a backlog. It logs
 * the figures ({@code GROWTH ...} lines) and holds the per-operation ratios the table is computed from.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class GrowthMeasurementTest {

    private static final Logger LOG = Logger.getLogger(GrowthMeasurementTest.class);
    private static final int INTEGRATIONS = 200;
    private static final int EXPIRING = 10;
    private static final int KEYS = 20;
    private static final int READS_PER_KEY = 10;
    /** Copies per table for the size measurement: enough that page and index overheads average out. */
    private static final int COPIES = 20_000;
    private static final int BACKLOG = 100_000;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();

    @Inject
    Seeder seeder;

    @Inject
    RetentionJob job;

    @Test
    void shouldWriteOneAuditRowPerReadAndOneAttemptPerRefreshAndPurgeABacklogInBatches() {
        String tenant = seeder.tenant("growth");
        List<Seeded> rows = seeder.integrations(tenant, "google", "fake-google", google, INTEGRATIONS,
                Instant.now().plus(1, ChronoUnit.MINUTES));
        // a few grants the provider no longer knows: those refreshes end expired, a status change each (webhook events)
        rows.subList(0, EXPIRING).forEach(row -> google.revoke(row.grant()));

        given().header("Authorization", "Bearer test-cron-token").contentType(ContentType.JSON)
                .body("{\"tenant\": \"" + tenant + "\"}").post("/cron/refresh-expiring-integrations")
                .then().statusCode(org.hamcrest.Matchers.lessThan(300));
        Poll.until("the run's attempts", Duration.ofMinutes(2), () -> count("refresh_attempt WHERE tenant_id = '" + tenant + "'")
                >= INTEGRATIONS);
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            keys.add(TenantKeys.issue(tenant));
        }
        long auditBefore = count("audit_event WHERE tenant_id = '" + tenant + "'");
        int reads = 0;
        for (int k = 0; k < KEYS; k++) {
            for (int r = 0; r < READS_PER_KEY; r++) {
                Seeded row = rows.get(EXPIRING + (k * READS_PER_KEY + r) % (INTEGRATIONS - EXPIRING));
                given().header("Authorization", bearer(keys.get(k))).contentType(ContentType.JSON).body("{}")
                        .post("/v1/integrations/{id}/access-token", row.id()).then().statusCode(200);
                reads++;
            }
        }

        long auditRows = count("audit_event WHERE tenant_id = '" + tenant + "'") - auditBefore;
        long attempts = count("refresh_attempt WHERE tenant_id = '" + tenant + "'");
        long events = count("webhook_event WHERE tenant_id = '" + tenant + "'");
        assertThat(auditRows).as("audit rows per token read").isEqualTo(reads);
        assertThat(attempts).as("attempt rows per refresh").isEqualTo(INTEGRATIONS);
        assertThat(events).as("webhook events: one per status change (the expired grants)").isEqualTo(EXPIRING);
        LOG.infof("GROWTH rows: %d token reads -> %d audit_event; %d refreshes in 1 run -> %d refresh_attempt, 1 trigger_run, "
                + "%d webhook_event (status changes)", reads, auditRows, INTEGRATIONS, attempts, events);

        // each twin gets COPIES rows shaped like the ones the run wrote: keys made unique, times spread
        String g = " FROM generate_series(1, " + COPIES + ") g";
        Map<String, String> samples = new LinkedHashMap<>();
        samples.put("audit_event", "SELECT g, a.at + g * interval '1 ms', a.actor, a.action, a.tenant_id, gen_random_uuid(), "
                + "a.detail FROM (SELECT * FROM audit_event WHERE tenant_id = '" + tenant + "' AND action = 'token.read' "
                + "LIMIT 1) a, generate_series(1, " + COPIES + ") g");
        samples.put("refresh_attempt", "SELECT g, gen_random_uuid(), a.tenant_id, a.run_id, a.started_at + g * interval '1 ms', "
                + "a.finished_at + g * interval '1 ms', a.outcome, a.provider_status, a.error_code, a.duration_ms, a.note "
                + "FROM (SELECT * FROM refresh_attempt WHERE tenant_id = '" + tenant + "' AND outcome = 'refreshed' LIMIT 1) a, "
                + "generate_series(1, " + COPIES + ") g");
        samples.put("trigger_run", "SELECT gen_random_uuid(), r.task, r.trigger_kind, 'msg_' || g, r.started_at, r.finished_at, "
                + "r.outcome, r.selected, r.refreshed, r.expired, r.errored, r.deferred, r.skipped, r.remaining, r.summary "
                + "FROM (SELECT * FROM trigger_run WHERE summary IS NOT NULL ORDER BY finished_at DESC LIMIT 1) r, "
                + "generate_series(1, " + COPIES + ") g");
        samples.put("webhook_event", "SELECT gen_random_uuid(), e.tenant_id, gen_random_uuid(), e.type, e.status_version, "
                + "e.payload, e.created_at + g * interval '1 ms' FROM (SELECT * FROM webhook_event WHERE tenant_id = '"
                + tenant + "' LIMIT 1) e, generate_series(1, " + COPIES + ") g");
        samples.put("webhook_delivery", "SELECT g, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'succeeded', 1, "
                + "now(), NULL, NULL, now(), 200, NULL, now() + g * interval '1 ms', now() + g * interval '1 ms'" + g);
        samples.put("disconnected_integration", "SELECT gen_random_uuid(), '" + tenant + "', now() + g * interval '1 ms'" + g);
        samples.put("used_signature", "SELECT 'msg_' || md5(g::text) || substr(md5(random()::text), 1, 8), "
                + "now() + g * interval '1 ms'" + g);
        for (Map.Entry<String, String> sample : samples.entrySet()) {
            double perRow = bytesPerRow(sample.getKey(), sample.getValue());
            assertThat(perRow).as("bytes per %s row", sample.getKey()).isBetween(20.0, 4000.0);
            LOG.infof("GROWTH bytes: %s %.0f bytes per row with its indexes", sample.getKey(), perRow);
        }

        // the purge's throughput: a backlog of expired attempts, deleted batch by batch by one pass
        seeder.sql("""
                INSERT INTO refresh_attempt (integration_id, tenant_id, started_at, finished_at, outcome, duration_ms)
                SELECT :id, :tenant, now() - interval '40 days', now() - interval '40 days', 'refreshed', 120
                  FROM generate_series(1, :n)
                """, Map.of("id", rows.get(EXPIRING).id(), "tenant", tenant, "n", BACKLOG));
        long started = System.nanoTime();
        RetentionJob.Pass pass = job.runOnce();
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(pass.purged().get("refresh_attempt")).isGreaterThanOrEqualTo((long) BACKLOG);
        assertThat(count("refresh_attempt WHERE started_at < now() - interval '31 days'")).isZero();
        LOG.infof("GROWTH purge: %d refresh_attempt rows in one pass of %.2f s: %.0f rows/s", pass.purged().get("refresh_attempt"),
                seconds, pass.purged().get("refresh_attempt") / seconds);
    }

    /** Bytes per row, indexes and TOAST included, of the rows {@code sample} selects, in a scratch twin of {@code table}. */
    private double bytesPerRow(String table, String sample) {
        String twin = "growth_" + table;
        seeder.sql("DROP TABLE IF EXISTS " + twin, Map.of());
        seeder.sql("CREATE TABLE " + twin + " (LIKE " + table + " INCLUDING ALL)", Map.of());
        seeder.sql("INSERT INTO " + twin + " " + sample, Map.of());
        seeder.sql("ANALYZE " + twin, Map.of());
        double size = ((Number) seeder.scalar("SELECT pg_total_relation_size('" + twin + "')", Map.of())).doubleValue();
        long rows = count(twin);
        seeder.sql("DROP TABLE " + twin, Map.of());
        return size / rows;
    }

    private long count(String from) {
        return seeder.count("SELECT count(*) FROM " + from, Map.of());
    }
}
