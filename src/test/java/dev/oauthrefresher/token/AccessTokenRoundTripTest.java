package dev.oauthrefresher.token;

import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * What one access-token read costs PostgreSQL, and how it honours a key revoked elsewhere. The revocation is committed
 * by a plain JDBC connection of the test, which stands for another replica: this replica's revocation event never fires,
 * so only the read's own query can notice it. (MultiProcessFaultsIT proves the same across two service processes.)
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class AccessTokenRoundTripTest {

    @Inject
    Seeder seeder;

    final FakeTokenEndpoint google = FakeTokenEndpointResource.google();

    @Test
    void shouldRefuseAKeyRevokedByAnotherReplicaOnTheNextAccessTokenReadAndForgetIt() throws SQLException {
        String tenant = seeder.tenant("revoked-elsewhere");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        accessToken(key, row.id()).then().statusCode(200);
        given().header("Authorization", bearer(key)).get("/v1/integrations").then().statusCode(200);
        String unknownKey = given().header("Authorization", bearer("orf_live_" + "A".repeat(43)))
                .get("/v1/integrations").then().statusCode(401).extract().body().asString();

        try (Connection otherReplica = otherReplica(); Statement statement = otherReplica.createStatement()) {
            assertThat(statement.executeUpdate("UPDATE api_key SET revoked_at = now() WHERE tenant_id = '" + tenant + "'"))
                    .isEqualTo(1);
        }

        Response refused = accessToken(key, row.id());
        refused.then().statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
        assertThat(refused.body().asString()).as("the body of any invalid key").isEqualTo(unknownKey);
        // forgotten by this replica, so refused on the other endpoints too
        given().header("Authorization", bearer(key)).get("/v1/integrations").then().statusCode(401);
    }

    @Test
    void shouldRefuseAKeyRevokedElsewhereWith401EvenForAnIntegrationThatDoesNotExist() throws SQLException {
        String tenant = seeder.tenant("revoked-unknown-id");
        String key = TenantKeys.issue(tenant);
        accessToken(key, UUID.randomUUID()).then().statusCode(404);

        try (Connection otherReplica = otherReplica(); Statement statement = otherReplica.createStatement()) {
            statement.executeUpdate("UPDATE api_key SET revoked_at = now() WHERE tenant_id = '" + tenant + "'");
        }

        // a revoked key learns nothing of which ids exist
        accessToken(key, UUID.randomUUID()).then().statusCode(401).contentType("application/problem+json");
    }

    /**
     * Counted as Hibernate sends them: its statement logger ({@code org.hibernate.SQL}) raised to DEBUG for one read, every
     * statement the application's repositories send on its way to PostgreSQL (the key lookup included, had the key not
     * been known). PostgreSQL's own statement log cannot be read here: the embedded server's output is not collected
     * once it has started, and pg_stat_statements needs a restart of a server the whole suite shares. The audit row is
     * written by the group commit, for many reads at once, and is left out; so are statements of background work that
     * touch neither {@code api_key} nor {@code integration}.
     */
    @Test
    void shouldReadTheKeyTheRowAndItsSealedTokenInOneStatementWithoutATransaction() {
        String tenant = seeder.tenant("one-statement");
        String key = TenantKeys.issue(tenant);
        Seeded row = seeder.integrations(tenant, "google", "fake-google", google, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        // a seeded row has no sealed token yet: an admin refresh seals one beside it
        given().header("Authorization", TenantKeys.ADMIN).post("/admin/tenants/{t}/integrations/{id}/refresh", tenant, row.id())
                .then().statusCode(200).body("outcome", equalTo("refreshed"));
        accessToken(key, row.id()).then().statusCode(200);

        List<String> sent;
        try (LogCapture logs = LogCapture.install(); SqlLog sql = SqlLog.debug()) {
            accessToken(key, row.id()).then().statusCode(200).body("refreshed", equalTo(false));
            sent = statements(logs.text());
        }

        assertThat(sent).as("statements of one read").hasSize(1);
        assertThat(sent.get(0)).contains("api_key", "integration");
        // the read runs outside a transaction, on an autocommit connection: no session is left holding one open
        assertThat(seeder.count("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'", Map.of()))
                .as("sessions idle in a transaction").isZero();
    }

    /** The logged statements that read {@code api_key} or {@code integration}, one a line. */
    private static List<String> statements(String log) {
        List<String> found = new ArrayList<>();
        StringBuilder current = null;
        for (String line : log.split("\n")) {
            if (line.startsWith("DEBUG [org.hibernate.SQL]") || line.startsWith("FINE [org.hibernate.SQL]")) {
                keep(found, current);
                current = new StringBuilder(line);
            } else if (current != null && !line.matches("^[A-Z]+ \\[.*")) {
                current.append(' ').append(line.trim());
            } else {
                keep(found, current);
                current = null;
            }
        }
        keep(found, current);
        return found;
    }

    private static void keep(List<String> found, StringBuilder statement) {
        if (statement == null) {
            return;
        }
        String text = statement.toString().toLowerCase(java.util.Locale.ROOT);
        if ((text.contains("api_key") || text.contains("integration")) && !text.contains("insert into audit")) {
            found.add(statement.toString());
        }
    }

    private static Response accessToken(String key, UUID id) {
        return given().header("Authorization", bearer(key)).contentType(ContentType.JSON).body("{\"minValidSeconds\": 60}")
                .post("/v1/integrations/{id}/access-token", id);
    }

    private static Connection otherReplica() throws SQLException {
        return DriverManager.getConnection(EmbeddedPostgresResource.jdbcUrl(), "postgres", "postgres");
    }

    /** Hibernate's statement logger at DEBUG until closed, then back at the level the configuration gives it. */
    private static final class SqlLog implements AutoCloseable {

        private static final Logger SQL = Logger.getLogger("org.hibernate.SQL");
        private final Level before = SQL.getLevel();

        static SqlLog debug() {
            SqlLog log = new SqlLog();
            SQL.setLevel(Level.FINE);
            return log;
        }

        @Override
        public void close() {
            SQL.setLevel(before);
        }
    }
}
