package dev.oauthrefresher.webhook;

import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.StandardWebhooksVerifier;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.WebhookReceiver;
import dev.oauthrefresher.testsupport.WebhookReceiver.Received;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tenant API for webhook endpoints over real HTTP, and the lifecycle events the integration API emits. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class WebhookEndpointApiTest {

    static LogCapture logs;
    static final List<String> secrets = new ArrayList<>();

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @Inject
    ObjectMapper json;

    @Inject
    WebhookConfig config;

    final WebhookReceiver receiver = new WebhookReceiver();

    @BeforeAll
    static void captureLogs() {
        logs = LogCapture.install();
    }

    @AfterAll
    static void noSecretWasLogged() {
        try {
            logs.assertContainsNone(secrets);
        } finally {
            logs.close();
        }
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    /**
     * {@code POST /v1/webhook-endpoints} as a well-behaved client sends it: a 429 (the key's request rate or the tenant's
     * operation budget, neither what these tests are about) is sent again after its {@code Retry-After}. On a fast
     * machine a test's dozen quick creations can outrun the test profile's ten per second.
     */
    Response create(String key, Object body) {
        for (int attempt = 1; ; attempt++) {
            Response response = given().header("Authorization", bearer(key)).contentType(ContentType.JSON).body(body)
                    .post("/v1/webhook-endpoints");
            String retryAfter = response.header("Retry-After");
            if (response.statusCode() != 429 || retryAfter == null || attempt == 5) {
                return response;
            }
            try {
                Thread.sleep(Duration.ofSeconds(Long.parseLong(retryAfter)).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    String createEndpoint(String key, List<String> events) {
        Response created = create(key, Map.of("url", receiver.url(), "events", events));
        created.then().statusCode(201);
        secrets.add(created.path("secret"));
        return created.path("id");
    }

    JsonNode body(Received r) {
        try {
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldCreateAnEndpointShowingItsSecretOnceAndNeverAgain() {
        String tenant = seeder.tenant("wh-api");
        String key = TenantKeys.issue(tenant);

        Response created = create(key, Map.of("url", receiver.url(), "events", List.of("integration.expired")));
        created.then().statusCode(201)
                .header("Location", containsString("/v1/webhook-endpoints/"))
                .body("url", equalTo(receiver.url()))
                .body("events", equalTo(List.of("integration.expired")))
                .body("enabled", equalTo(true))
                .body("secret", startsWith("whsec_"));
        String id = created.path("id");
        String secret = created.path("secret");
        secrets.add(secret);

        given().header("Authorization", bearer(key)).get("/v1/webhook-endpoints/{id}", id)
                .then().statusCode(200).body("secret", nullValue()).body("enabled", equalTo(true));
        given().header("Authorization", bearer(key)).get("/v1/webhook-endpoints")
                .then().statusCode(200).body("items", hasSize(1)).body(not(containsString(secret)));
        assertThat(tokenStore.loadWebhookSecret(WebhookEndpoint.secretNameFor(UUID.fromString(id))).await().indefinitely()
                .orElseThrow().current().reveal()).isEqualTo(secret);
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'webhook.endpoint.create' AND tenant_id = :t",
                Map.of("t", tenant))).isEqualTo(1);
    }

    @Test
    void shouldRefuseBadInputNamingTheField() {
        String key = TenantKeys.issue(seeder.tenant("wh-bad"));

        create(key, Map.of("url", receiver.url(), "events", List.of("integration.exploded")))
                .then().statusCode(400).contentType(containsString("application/problem+json"))
                .body("violations[0].field", startsWith("events")).body("detail", containsString("must be one of"));
        create(key, Map.of("url", receiver.url(), "events", List.of()))
                .then().statusCode(400).body("violations[0].field", equalTo("events"));
        create(key, Map.of("url", "ftp://hooks.example.com/x", "events", List.of("integration.expired")))
                .then().statusCode(400).body("violations[0].field", equalTo("url"))
                .body("violations[0].message", containsString("https"));
        create(key, Map.of("url", "http://10.1.2.3/hook", "events", List.of("integration.expired")))
                .then().statusCode(400).body("violations[0].field", equalTo("url"))
                .body("violations[0].message", containsString("non-public"))
                .body(not(containsString("10.1.2.3")));
        create(key, Map.of("url", "http://169.254.169.254/latest/meta-data", "events", List.of("integration.expired")))
                .then().statusCode(400).body("violations[0].field", equalTo("url"))
                .body(not(containsString("169.254")));
        create(key, Map.of("events", List.of("integration.expired")))
                .then().statusCode(400).body("violations[0].field", equalTo("url"));
        given().header("Authorization", bearer(key)).get("/v1/webhook-endpoints/{id}/deliveries?status=lost", UUID.randomUUID())
                .then().statusCode(400).body("violations[0].field", equalTo("status"));
    }

    @Test
    void shouldCheckTheEndpointCapBeforeLookingUpTheHostAndRefuseAnUnresolvableHostLikeANonPublicOne() {
        String key = TenantKeys.issue(seeder.tenant("wh-cap"));
        Map<String, Object> unresolvable = Map.of("url", "https://hooks.does-not-resolve.invalid/x",
                "events", List.of("integration.expired"));
        String nonPublic = create(key, Map.of("url", "https://10.1.2.3/hook", "events", List.of("integration.expired")))
                .then().statusCode(400).extract().path("violations[0].message");

        create(key, unresolvable).then().statusCode(400).contentType(containsString("application/problem+json"))
                .body("violations[0].field", equalTo("url")).body("violations[0].message", equalTo(nonPublic));
        for (int i = 0; i < 10; i++) {
            createEndpoint(key, List.of("integration.expired"));
        }
        create(key, unresolvable).then().statusCode(409).contentType(containsString("application/problem+json"))
                .body("detail", containsString("refresher.webhooks.max-endpoints-per-tenant"));
    }

    @Test
    void shouldThrottleTestsAndReplaysPerEndpointNamingTheBudgetAndAuditThem() {
        String tenant = seeder.tenant("wh-budget");
        String key = TenantKeys.issue(tenant);
        String busy = createEndpoint(key, List.of("integration.expired"));
        String other = createEndpoint(key, List.of("integration.expired"));

        int budget = config.manualSendLimit();
        for (int i = 0; i < budget; i++) {
            given().header("Authorization", bearer(key)).post("/v1/webhook-endpoints/{id}/test", busy).then().statusCode(202);
        }
        Response refused = given().header("Authorization", bearer(key)).post("/v1/webhook-endpoints/{id}/test", busy);
        refused.then().statusCode(429).contentType(containsString("application/problem+json"))
                .body("type", equalTo("urn:oauth-refresher:problem:webhook-manual-send-budget"))
                .body("detail", containsString("refresher.webhooks.manual-send-limit"));
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, (int) config.manualSendWindow().toSeconds());
        given().header("Authorization", bearer(key)).post("/v1/webhook-endpoints/{id}/test", other).then().statusCode(202);
        Poll.until("every test event arrived", Duration.ofSeconds(20), () -> receiver.received().size() == budget + 1);

        // a replay draws on the same budget as a test (a second key of the tenant: the first one's own request rate,
        // refresher.access.rate-limit-per-key, is not what this test is about)
        String replays = TenantKeys.issue(tenant);
        long busyDelivery = deadDelivery(replays, busy);
        long otherDelivery = deadDelivery(replays, other);
        given().header("Authorization", bearer(replays)).post("/v1/webhook-deliveries/{id}/replay", busyDelivery)
                .then().statusCode(429).header("Retry-After", notNullValue())
                .body("type", equalTo("urn:oauth-refresher:problem:webhook-manual-send-budget"));
        given().header("Authorization", bearer(replays)).post("/v1/webhook-deliveries/{id}/replay", otherDelivery)
                .then().statusCode(200).body("status", equalTo("pending"));

        // each under the key that asked: api-key:<key id>
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'webhook.endpoint.test' AND tenant_id = :t "
                + "AND actor LIKE 'api-key:%'", Map.of("t", tenant))).isEqualTo(budget + 1);
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'webhook.delivery.replay' AND tenant_id = :t "
                + "AND actor LIKE 'api-key:%'", Map.of("t", tenant))).isEqualTo(1);
    }

    /** One of the endpoint's settled deliveries, marked dead as if its schedule had run out. */
    long deadDelivery(String key, String endpoint) {
        long id = ((Number) given().header("Authorization", bearer(key))
                .get("/v1/webhook-endpoints/{id}/deliveries?status=succeeded", endpoint).then().statusCode(200)
                .extract().path("items[0].id")).longValue();
        seeder.sql("UPDATE webhook_delivery SET status = 'dead' WHERE id = :id", Map.of("id", id));
        return id;
    }

    @Test
    void shouldAnswer404ForAnotherTenantsEndpointAnd403WithoutTheScope() {
        String mine = TenantKeys.issue(seeder.tenant("wh-mine"));
        String theirs = TenantKeys.issue(seeder.tenant("wh-theirs"));
        String id = createEndpoint(theirs, List.of("integration.expired"));

        given().header("Authorization", bearer(mine)).get("/v1/webhook-endpoints/{id}", id).then().statusCode(404);
        given().header("Authorization", bearer(mine)).delete("/v1/webhook-endpoints/{id}", id).then().statusCode(404);
        given().header("Authorization", bearer(mine)).post("/v1/webhook-endpoints/{id}/test", id).then().statusCode(404);
        given().header("Authorization", bearer(mine)).post("/v1/webhook-endpoints/{id}/rotate-secret", id).then().statusCode(404);
        given().header("Authorization", bearer(mine)).get("/v1/webhook-endpoints/{id}/deliveries", id).then().statusCode(404);
        given().header("Authorization", bearer(mine)).get("/v1/webhook-endpoints").then().statusCode(200).body("items", hasSize(0));

        given().header("Authorization", bearer(theirs)).post("/v1/webhook-endpoints/{id}/test", id).then().statusCode(202);
        Poll.until("the test delivery arrived", Duration.ofSeconds(20), () -> receiver.received().size() == 1);
        long delivery = ((Number) given().header("Authorization", bearer(theirs))
                .get("/v1/webhook-endpoints/{id}/deliveries", id).then().statusCode(200)
                .extract().path("items[0].id")).longValue();
        given().header("Authorization", bearer(mine)).post("/v1/webhook-deliveries/{id}/replay", delivery).then().statusCode(404);
        given().header("Authorization", bearer(theirs)).post("/v1/webhook-deliveries/{id}/replay", delivery)
                .then().statusCode(409).body("detail", containsString("only a dead delivery"));

        String readOnly = TenantKeys.issue(seeder.tenant("wh-ro"), List.of("integrations:read"));
        given().header("Authorization", bearer(readOnly)).get("/v1/webhook-endpoints")
                .then().statusCode(403).body("detail", containsString("webhooks:write"));
    }

    @Test
    void shouldRotateTheSecretAndDeleteTheEndpointWithIt() {
        String key = TenantKeys.issue(seeder.tenant("wh-rot"));
        String id = createEndpoint(key, List.of("integration.expired"));

        Response rotated = given().header("Authorization", bearer(key)).post("/v1/webhook-endpoints/{id}/rotate-secret", id);
        rotated.then().statusCode(200).body("secret", startsWith("whsec_"));
        secrets.add(rotated.path("secret"));
        Instant until = Instant.parse(rotated.path("previousSecretValidUntil"));
        assertThat(until).isBetween(Instant.now().plus(23, ChronoUnit.HOURS), Instant.now().plus(25, ChronoUnit.HOURS));

        given().header("Authorization", bearer(key)).delete("/v1/webhook-endpoints/{id}", id).then().statusCode(204);
        given().header("Authorization", bearer(key)).get("/v1/webhook-endpoints/{id}", id).then().statusCode(404);
        assertThat(tokenStore.loadWebhookSecret(WebhookEndpoint.secretNameFor(UUID.fromString(id))).await().indefinitely())
                .isEmpty();
    }

    @Test
    void shouldTellTheReceiverWhenAnIntegrationIsReconnectedAndWhenItIsDeleted() {
        String tenant = seeder.tenant("wh-life");
        String key = TenantKeys.issue(tenant);
        String endpoint = createEndpoint(key, List.of("integration.reconnected", "integration.deleted"));
        Seeder.Seeded row = seeder.integrations(tenant, "google", "fake-google", FakeTokenEndpointResource.google(), 1,
                Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
        seeder.sql("UPDATE integration SET status = 'expired', status_version = 1, last_error_code = 'invalid_grant' "
                + "WHERE id = :id", Map.of("id", row.id()));

        given().header("Authorization", bearer(key)).contentType(ContentType.JSON)
                .body(Map.of("accessToken", "at-new", "refreshToken", "rt-new",
                        "accessTokenExpiresAt", Instant.now().plus(1, ChronoUnit.HOURS).toString()))
                .put("/v1/integrations/{id}/tokens", row.id()).then().statusCode(200);
        given().header("Authorization", bearer(key)).delete("/v1/integrations/{id}", row.id()).then().statusCode(204);
        Poll.until("both lifecycle events arrived", Duration.ofSeconds(20), () -> receiver.received().size() == 2);

        List<Received> received = receiver.received();
        String secret = secrets.get(secrets.size() - 1);
        assertThat(received).allMatch(r -> StandardWebhooksVerifier.verifies(secret, r));
        JsonNode reconnected = body(received.get(0));
        JsonNode deleted = body(received.get(1));
        assertThat(reconnected.get("type").asText()).isEqualTo("integration.reconnected");
        assertThat(reconnected.get("data").get("previousStatus").asText()).isEqualTo("expired");
        assertThat(reconnected.get("data").get("status").asText()).isEqualTo("active");
        assertThat(reconnected.get("data").get("statusVersion").asLong()).isEqualTo(2);
        assertThat(deleted.get("type").asText()).isEqualTo("integration.deleted");
        assertThat(deleted.get("data").get("status").asText()).isEqualTo("deleted");
        assertThat(deleted.get("data").get("statusVersion").asLong()).isEqualTo(3);
        assertThat(received).extracting(Received::body).noneMatch(b -> b.contains("at-new") || b.contains("rt-new"));
        given().header("Authorization", bearer(key)).get("/v1/webhook-endpoints/{id}/deliveries?status=succeeded", endpoint)
                .then().statusCode(200).body("items", hasSize(2)).body("items[0].webhookId", startsWith("evt_"));
    }
}
