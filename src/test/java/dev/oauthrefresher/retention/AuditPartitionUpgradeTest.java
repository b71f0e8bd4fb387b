package dev.oauthrefresher.retention;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A pod of the previous release keeps working against V14's partitioned {@code audit_event} during a rolling update:
 * its statements, copied verbatim from that release's {@code audit/AuditLog} and {@code audit/AuditTrail} (Hibernate
 * sends their {@code :name} parameters as {@code ?}, as here), run on the migrated schema over plain JDBC, as that pod's
 * driver would send them.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class AuditPartitionUpgradeTest {

    /** The previous release's AuditLog.recordAs. */
    private static final String PREVIOUS_INSERT = """
            INSERT INTO audit_event (actor, action, tenant_id, integration_id, detail)
            VALUES (?, ?, ?, ?, ?)
            """;

    /** The previous release's AuditTrail.page, with a cursor (its first page leaves the (at, id) condition out). */
    private static final String PREVIOUS_PAGE = """
            SELECT id, at, actor, action, integration_id, detail FROM audit_event
            WHERE tenant_id = ?
            """ + " AND (at, id) < (?, ?)" + """
             ORDER BY at DESC, id DESC LIMIT ?
            """;

    private static final String PREVIOUS_FIRST_PAGE = """
            SELECT id, at, actor, action, integration_id, detail FROM audit_event
            WHERE tenant_id = ?
            """ + """
             ORDER BY at DESC, id DESC LIMIT ?
            """;

    @Test
    void shouldKeepThePreviousReleasesAuditInsertsAndPagedReadsWorking() throws SQLException {
        String tenant = "upgrade-" + UUID.randomUUID().toString().substring(0, 8);
        UUID integration = UUID.randomUUID();
        try (Connection previousPod = DriverManager.getConnection(EmbeddedPostgresResource.jdbcUrl(), "postgres", "postgres")) {
            for (int i = 0; i < 3; i++) {
                try (PreparedStatement insert = previousPod.prepareStatement(PREVIOUS_INSERT)) {
                    insert.setString(1, "admin:ops-alice");
                    insert.setString(2, "token.read");
                    insert.setString(3, tenant);
                    insert.setObject(4, integration);
                    insert.setString(5, "row " + i);
                    assertThat(insert.executeUpdate()).isOne();
                }
            }

            List<Long> ids = new ArrayList<>();
            OffsetDateTime lastAt;
            try (PreparedStatement page = previousPod.prepareStatement(PREVIOUS_FIRST_PAGE)) {
                page.setString(1, tenant);
                page.setInt(2, 2 + 1);
                try (ResultSet rows = page.executeQuery()) {
                    List<String> details = new ArrayList<>();
                    OffsetDateTime at = null;
                    while (rows.next()) {
                        ids.add(rows.getLong("id"));
                        details.add(rows.getString("detail"));
                        at = rows.getObject("at", OffsetDateTime.class);
                        assertThat(rows.getObject("integration_id")).isEqualTo(integration);
                    }
                    assertThat(details).containsExactly("row 2", "row 1", "row 0");
                    lastAt = at;
                }
            }
            // ids still come from the one sequence, in the order the rows were written
            assertThat(ids).isSortedAccordingTo((a, b) -> Long.compare(b, a));
            try (PreparedStatement page = previousPod.prepareStatement(PREVIOUS_PAGE)) {
                page.setString(1, tenant);
                page.setObject(2, lastAt.withOffsetSameInstant(ZoneOffset.UTC).plusNanos(1000));
                page.setLong(3, ids.get(2));
                page.setInt(4, 2 + 1);
                try (ResultSet rows = page.executeQuery()) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getLong("id")).isEqualTo(ids.get(2));
                }
            }
            // the id sequence belongs to the partitioned table now: dropping the old table's partition one day keeps it
            try (PreparedStatement owner = previousPod.prepareStatement("SELECT pg_get_serial_sequence('audit_event', 'id')");
                    ResultSet rows = owner.executeQuery()) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("public.audit_event_id_seq");
            }
            // the rows went to a partition by their time, never the default one
            try (PreparedStatement where = previousPod.prepareStatement(
                    "SELECT DISTINCT CAST(tableoid AS regclass) FROM audit_event WHERE tenant_id = ?")) {
                where.setString(1, tenant);
                try (ResultSet rows = where.executeQuery()) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getString(1)).isNotEqualTo("audit_event_default").startsWith("audit_event_");
                    assertThat(rows.next()).isFalse();
                }
            }
        }
    }
}
