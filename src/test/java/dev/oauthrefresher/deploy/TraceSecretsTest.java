package dev.oauthrefresher.deploy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.oauthrefresher.common.Traces;
import dev.oauthrefresher.refresh.run.RefreshTask;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.RecordedSpans;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.TestSecrets;
import dev.oauthrefresher.testsupport.WebhookReceiver;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Traces of a triggered run, an on-demand token and a webhook delivery, as they are exported: the spans a reader of
 * a trace needs are there, a run's refreshes hang under it, and no exported name, attribute or event holds a secret
 * the test knows.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class TraceSecretsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String QUERY_SECRET = "receiver-query-token-5f1c";

    @Inject
    RecordedSpans spans;

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    final FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();
    final WebhookReceiver receiver = new WebhookReceiver();
    final List<String> secrets = new ArrayList<>(List.of("test-admin-token", "test-cron-token",
            FakeTokenEndpointResource.CLIENT_SECRET, "test-client-secret-value", QUERY_SECRET));

    @BeforeEach
    void record() {
        spans.start();
    }

    @AfterEach
    void stopRecording() {
        spans.stop();
        receiver.close();
    }

    @Test
    void shouldTraceARunATokenAndADeliveryWithoutASecretInAnyExportedSpan() {
        String tenant = seeder.tenant("traces");
        String key = TenantKeys.issue(tenant);
        secrets.add(key);
        List<Seeded> due = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 2,
                Instant.now().plus(5, ChronoUnit.MINUTES));
        Seeded fresh = seeder.integrations(tenant, "oauth2", "fake-rotating", rotating, 1,
                Instant.now().plus(2, ChronoUnit.HOURS)).get(0);
        due.forEach(row -> rememberTokens(row.id()));
        rememberTokens(fresh.id());

        given().header("Authorization", "Bearer test-cron-token").contentType(ContentType.JSON)
                .body("{\"tenant\":\"" + tenant + "\"}")
                .post("/cron/" + RefreshTask.NAME)
                .then().statusCode(200).body("refreshed", org.hamcrest.Matchers.equalTo(2));
        due.forEach(row -> rememberTokens(row.id()));

        Response token = given().header("Authorization", TenantKeys.bearer(key)).contentType(ContentType.JSON)
                .body("{\"minValidSeconds\": 300}").post("/v1/integrations/{id}/access-token", fresh.id());
        token.then().statusCode(200);
        secrets.add(token.path("accessToken"));

        Response endpoint = given().header("Authorization", TenantKeys.bearer(key)).contentType(ContentType.JSON)
                .body(Map.of("url", receiver.url() + "&token=" + QUERY_SECRET, "events", List.of("integration.expired")))
                .post("/v1/webhook-endpoints");
        endpoint.then().statusCode(201);
        secrets.add(endpoint.path("secret"));
        String endpointId = endpoint.path("id");
        given().header("Authorization", TenantKeys.bearer(key)).post("/v1/webhook-endpoints/{id}/test", endpointId)
                .then().statusCode(202);
        Poll.until("the receiver gets the test event", WAIT, () -> !receiver.received().isEmpty());

        Poll.until("every expected span is exported", WAIT, () -> named("cron.trigger", Traces.TASK, RefreshTask.NAME).size() == 1
                && named("refresh.attempt", Traces.TENANT_ID, tenant).size() == 2
                && named("token.access", Traces.TENANT_ID, tenant).size() == 1
                && named("webhook.deliver", AttributeKey.stringKey("refresher.webhook.endpoint_id"), endpointId).size() == 1);
        SpanData trigger = named("cron.trigger", Traces.TASK, RefreshTask.NAME).get(0);
        SpanData run = only("refresh.run", trigger.getSpanContext().getTraceId());
        assertThat(run.getParentSpanId()).isEqualTo(trigger.getSpanId());
        assertThat(run.getAttributes().get(Traces.RUN_ID)).isEqualTo(trigger.getAttributes().get(Traces.RUN_ID));
        for (SpanData refresh : named("refresh.attempt", Traces.TENANT_ID, tenant)) {
            assertThat(refresh.getParentSpanId()).as("a run's refresh hangs under the run").isEqualTo(run.getSpanId());
            assertThat(refresh.getAttributes().get(Traces.OUTCOME)).isEqualTo("refreshed");
            assertThat(refresh.getAttributes().get(Traces.PROVIDER_GROUP)).isEqualTo("fake-rotating");
            assertThat(children(refresh)).contains("token_store.load", "provider.token_call", "token_store.save");
        }
        assertThat(named("token.access", Traces.TENANT_ID, tenant).get(0).getAttributes().get(Traces.OUTCOME))
                .isEqualTo("served");

        assertThat(secrets).allSatisfy(secret -> assertThat(secret).isNotBlank());
        for (SpanData span : spans.finished()) {
            String exported = describe(span);
            for (String secret : secrets) {
                assertThat(exported).as("span %s", span.getName()).doesNotContain(secret);
            }
        }
    }

    /** The tokens now stored for {@code id}: the fake endpoint issued them, so no span may show them. */
    private void rememberTokens(UUID id) {
        TokenSet stored = tokenStore.load(TestSecrets.of(id)).await().atMost(WAIT).orElseThrow().tokens();
        secrets.add(stored.accessToken().reveal());
        secrets.add(stored.refreshToken().reveal());
    }

    private <T> List<SpanData> named(String name, AttributeKey<T> key, T value) {
        return spans.finished().stream().filter(s -> s.getName().equals(name) && value.equals(s.getAttributes().get(key)))
                .toList();
    }

    private SpanData only(String name, String traceId) {
        List<SpanData> found = spans.finished().stream()
                .filter(s -> s.getName().equals(name) && s.getTraceId().equals(traceId)).toList();
        assertThat(found).as(name + " in trace " + traceId).hasSize(1);
        return found.get(0);
    }

    private List<String> children(SpanData parent) {
        return spans.finished().stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId()))
                .map(SpanData::getName).toList();
    }

    /** Everything a trace backend would show of the span. */
    private static String describe(SpanData span) {
        StringBuilder text = new StringBuilder(span.getName()).append(' ').append(attributes(span.getAttributes()))
                .append(' ').append(span.getStatus().getDescription()).append(' ')
                .append(attributes(span.getResource().getAttributes()));
        for (EventData event : span.getEvents()) {
            text.append(' ').append(event.getName()).append(' ').append(attributes(event.getAttributes()));
        }
        span.getLinks().forEach(link -> text.append(' ').append(attributes(link.getAttributes())));
        return text.toString();
    }

    private static String attributes(Attributes attributes) {
        StringBuilder text = new StringBuilder();
        attributes.forEach((k, v) -> text.append(k.getKey()).append('=').append(Optional.ofNullable(v).orElse("")).append(';'));
        return text.toString();
    }
}
