package dev.oauthrefresher.revocation;

import static dev.oauthrefresher.testsupport.TenantKeys.bearer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint.Fault;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint.Revocation;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.testsupport.TenantKeys;
import dev.oauthrefresher.testsupport.TestSecrets;
import dev.oauthrefresher.testsupport.WireMockTokenEndpointResource;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hibernate.query.TypedParameterValue;
import org.hibernate.type.StandardBasicTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Disconnect revokes the grant at its provider group's revocation endpoint (the fake's, Google's shape and RFC 7009's)
 * through the durable queue: once per disconnect, retried after failures, never on the disconnect's own path, nothing
 * queued for a group without an endpoint, given up after {@code max-age}, one claimer per row, and no token in any log
 * line.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class RevocationOnDisconnectTest {

    private static final Duration WITHIN = Duration.ofSeconds(20);

    static LogCapture logs;
    static final List<String> secrets = new ArrayList<>(List.of(FakeTokenEndpointResource.CLIENT_SECRET));

    @Inject
    Seeder seeder;

    @Inject
    TokenStore tokenStore;

    @Inject
    KeyRing ring;

    @Inject
    MeterRegistry registry;

    @Inject
    RevocationRepository queue;

    @BeforeAll
    static void captureLogs() {
        logs = LogCapture.install();
    }

    @AfterAll
    static void noTokenWasLogged() {
        try {
            logs.assertContainsNone(secrets);
        } finally {
            logs.close();
        }
    }

    @AfterEach
    void endpointsWorkAgain() {
        for (FakeTokenEndpoint fake : List.of(FakeTokenEndpointResource.google(), FakeTokenEndpointResource.rotating())) {
            fake.revocationLatency(Duration.ZERO);
            fake.clearRevocationFaults();
        }
    }

    @Test
    void shouldRevokeTheRefreshTokenOnceAtGooglesEndpointWithoutTheClientSecret() {
        FakeTokenEndpoint google = FakeTokenEndpointResource.google();
        Seeded row = seeded("google", "fake-google", google);
        String token = refreshToken(row);
        double revokedBefore = count(RevocationMetrics.REVOKED);

        disconnect(row).then().statusCode(204);

        Poll.until("the revocation row settled", WITHIN, () -> queued(row) == 0);
        List<Revocation> calls = callsWith(google, token);
        assertThat(calls).as("revocation calls with the grant's refresh token").hasSize(1);
        assertThat(calls.get(0).status()).isEqualTo(200);
        assertThat(calls.get(0).form()).as("Google's revocation takes the token alone").containsOnlyKeys("token");
        assertThat(calls.get(0).authorization()).isNull();
        assertThat(google.live(row.grant())).as("the grant at the provider").isFalse();
        assertThat(count(RevocationMetrics.REVOKED) - revokedBefore).isGreaterThanOrEqualTo(1);
        assertThat(seeder.count("SELECT count(*) FROM audit_event WHERE action = 'integration.disconnect' AND integration_id = :id "
                + "AND detail LIKE '%queued for revocation%'", Map.of("id", row.id()))).isEqualTo(1);
    }

    @Test
    void shouldRevokeAtAnRfc7009EndpointWithTheTokenTypeHintAndTheClientsAuthentication() {
        FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();
        Seeded row = seeded("oauth2", "fake-rotating", rotating);
        String token = refreshToken(row);

        disconnect(row).then().statusCode(204);

        Poll.until("the revocation row settled", WITHIN, () -> queued(row) == 0);
        List<Revocation> calls = callsWith(rotating, token);
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).form()).containsEntry("token_type_hint", "refresh_token")
                .containsEntry("client_id", FakeTokenEndpointResource.CLIENT_ID)
                .containsEntry("client_secret", FakeTokenEndpointResource.CLIENT_SECRET);
        assertThat(calls.get(0).status()).as("the fake checks the client's authentication").isEqualTo(200);
        assertThat(rotating.live(row.grant())).isFalse();
    }

    @Test
    void shouldRetryAfterA503HonouringRetryAfterAndAfterAConnectionClosedUnanswered() {
        FakeTokenEndpoint google = FakeTokenEndpointResource.google();
        Seeded row = seeded("google", "fake-google", google);
        String token = refreshToken(row);
        double retriedBefore = count(RevocationMetrics.RETRIED);
        google.failRevocations(1, new Fault(503, "{\"error\":\"temporarily_unavailable\"}", Map.of("Retry-After", "2"), Duration.ZERO));
        google.failRevocations(1, Fault.drop());

        disconnect(row).then().statusCode(204);

        Poll.until("the revocation row settled", WITHIN, () -> queued(row) == 0);
        List<Revocation> calls = callsWith(google, token);
        assertThat(calls).extracting(Revocation::status).containsExactly(503, Fault.DROP, 200);
        assertThat(google.live(row.grant())).isFalse();
        assertThat(count(RevocationMetrics.RETRIED) - retriedBefore).isGreaterThanOrEqualTo(2);
        assertThat(logs.text()).doesNotContain("temporarily_unavailable\"");
    }

    @Test
    void shouldAnswerTheDisconnectWithoutWaitingForAHangingEndpointWithTheRevocationQueued() {
        FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();
        Seeded row = seeded("oauth2", "fake-rotating", rotating);
        String token = refreshToken(row);
        String key = key(row);
        // far past fake-rotating's request timeout (8s): a disconnect that waited for the provider would take that long
        rotating.revocationLatency(Duration.ofSeconds(30));
        double retriedBefore = count(RevocationMetrics.RETRIED);

        long started = System.nanoTime();
        given().header("Authorization", bearer(key)).delete("/v1/integrations/{id}", row.id()).then().statusCode(204);
        Duration answered = Duration.ofNanos(System.nanoTime() - started);

        assertThat(answered).as("the disconnect's answer").isLessThan(Duration.ofSeconds(5));
        assertThat(queued(row)).as("the revocation, durable before the answer").isEqualTo(1);
        // the fake records a call once it answers: the claim's attempt count shows the call in flight
        Poll.until("an attempt at the hanging endpoint", WITHIN, () -> seeder.count(
                "SELECT count(*) FROM revocation WHERE integration_id = :id AND attempts >= 1", Map.of("id", row.id())) == 1);
        // the endpoint stays slow until that attempt has timed out and is counted for a retry: speeding it up earlier
        // would let the attempt in flight answer 200 and nothing would be retried
        Poll.until("the timed-out attempt, counted for a retry", Duration.ofSeconds(40),
                () -> count(RevocationMetrics.RETRIED) - retriedBefore >= 1);
        rotating.revocationLatency(Duration.ZERO);
        Poll.until("the revocation row settled after the timed-out attempt", Duration.ofSeconds(40), () -> queued(row) == 0);
        assertThat(callsWith(rotating, token)).extracting(Revocation::status).contains(200);
        assertThat(rotating.live(row.grant())).isFalse();
    }

    @Test
    void shouldQueueNothingForAGroupWithoutARevocationEndpoint() {
        Seeded row = seeded("oauth2", WireMockTokenEndpointResource.ROTATING, FakeTokenEndpointResource.rotating());

        disconnect(row).then().statusCode(204);

        assertThat(queued(row)).isZero();
        assertThat(tokenStore.load(TestSecrets.of(row.id())).await().indefinitely()).isEmpty();
        assertThat(FakeTokenEndpointResource.rotating().live(row.grant())).isTrue();
    }

    @Test
    void shouldRevokeTheRotatedTokenOfAPendingRotationTheDisconnectSupersedes() {
        FakeTokenEndpoint rotating = FakeTokenEndpointResource.rotating();
        Seeded row = seeded("oauth2", "fake-rotating", rotating);
        String spent = refreshToken(row);
        // a replica that died after sealing a rotation the vault refused: the sealed token is the grant's current one
        String current = rotating.newGrant(row.grant() + "-rotated");
        secrets.add(current);
        TokenSet rotated = new TokenSet(Secret.of("at-rotated"), Secret.of(current), Instant.now().plusSeconds(3600),
                Optional.empty(), "Bearer");
        KeyRing.Sealed sealed = ring.seal(row.id(), rotated);
        seeder.sql("INSERT INTO pending_rotation (integration_id, sealed_tokens, key_id, started_at) VALUES (:id, :sealed, :key, now())",
                Map.of("id", row.id(), "sealed", new TypedParameterValue<>(StandardBasicTypes.BINARY, sealed.value()),
                        "key", sealed.keyId()));

        disconnect(row).then().statusCode(204);

        Poll.until("the revocation row settled", WITHIN, () -> queued(row) == 0);
        assertThat(callsWith(rotating, current)).extracting(Revocation::status).containsExactly(200);
        assertThat(callsWith(rotating, spent)).as("the spent token is not the one to revoke").isEmpty();
        assertThat(rotating.live(row.grant() + "-rotated")).isFalse();
    }

    @Test
    void shouldGiveUpPastMaxAgeDeletingTheRowCountingItAndLoggingWithoutTheToken() {
        FakeTokenEndpoint google = FakeTokenEndpointResource.google();
        Seeded row = seeded("google", "fake-google", google);
        String token = refreshToken(row);
        double gaveUpBefore = count(RevocationMetrics.GAVE_UP);
        google.failRevocations(2, new Fault(503, "{\"error\":\"" + token + "\"}", Map.of("Retry-After", "3"), Duration.ZERO));

        disconnect(row).then().statusCode(204);
        Poll.until("the first, failed attempt", WITHIN, () -> callsWith(google, token).size() == 1);
        // a week and a day later, as far as the queue can tell
        seeder.sql("UPDATE revocation SET created_at = now() - interval '8 days' WHERE integration_id = :id", Map.of("id", row.id()));

        Poll.until("the row given up", WITHIN, () -> queued(row) == 0);
        assertThat(callsWith(google, token)).extracting(Revocation::status).containsExactly(503, 503);
        assertThat(google.live(row.grant())).as("never revoked").isTrue();
        assertThat(count(RevocationMetrics.GAVE_UP) - gaveUpBefore).isEqualTo(1);
        assertThat(logs.text()).contains("gave up revoking its grant", row.id().toString(), "http_503");
    }

    @Test
    void shouldHandEachQueuedRowToOneClaimerWhileAnotherHoldsItsClaimOpen() throws Exception {
        // due an hour from now: the workers, claiming at the real time, leave them to the two claims below
        Instant due = Instant.now().plus(1, ChronoUnit.HOURS);
        Instant claimAt = due.plus(1, ChronoUnit.MINUTES);
        Set<UUID> ours = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            UUID id = UUID.randomUUID();
            ours.add(id);
            seeder.sql("INSERT INTO revocation (integration_id, tenant_id, provider_group, sealed_tokens, key_id, created_at, "
                    + "next_attempt_at) VALUES (:id, 'claims', 'fake-google', decode('00', 'hex'), 'none', now(), :due)",
                    Map.of("id", id, "due", due.atOffset(ZoneOffset.UTC)));
        }
        CountDownLatch firstClaimed = new CountDownLatch(1);
        CountDownLatch secondDone = new CountDownLatch(1);
        ExecutorService replica = Executors.newSingleThreadExecutor();
        try {
            // one replica's claim, its transaction (and the row locks) held open while the other claims
            Future<Set<UUID>> first = replica.submit(() -> QuarkusTransaction.requiringNew().call(() -> {
                Set<UUID> claimed = ids(queue.claimDue("replica-1", claimAt, claimAt.plus(1, ChronoUnit.HOURS), 6));
                firstClaimed.countDown();
                assertThat(secondDone.await(20, TimeUnit.SECONDS)).isTrue();
                return claimed;
            }));
            assertThat(firstClaimed.await(20, TimeUnit.SECONDS)).isTrue();
            Set<UUID> second = QuarkusTransaction.requiringNew().call(
                    () -> ids(queue.claimDue("replica-2", claimAt, claimAt.plus(1, ChronoUnit.HOURS), 100)));
            secondDone.countDown();
            Set<UUID> firstClaims = first.get(30, TimeUnit.SECONDS);

            firstClaims.retainAll(ours);
            second.retainAll(ours);
            assertThat(firstClaims).as("the first claim's rows").isNotEmpty().doesNotContainAnyElementsOf(second);
            Set<UUID> both = new HashSet<>(firstClaims);
            both.addAll(second);
            assertThat(both).as("every row claimed by exactly one of them").isEqualTo(ours);
        } finally {
            replica.shutdownNow();
            seeder.sql("DELETE FROM revocation WHERE integration_id IN (:ids)", Map.of("ids", ours));
        }
    }

    private static Set<UUID> ids(List<RevocationRepository.Claimed> claimed) {
        Set<UUID> ids = new HashSet<>();
        claimed.forEach(row -> ids.add(row.integrationId()));
        return ids;
    }

    private Seeded seeded(String provider, String group, FakeTokenEndpoint endpoint) {
        String tenant = seeder.tenant("revoke");
        return seeder.integrations(tenant, provider, group, endpoint, 1, Instant.now().plus(1, ChronoUnit.HOURS)).get(0);
    }

    private String refreshToken(Seeded row) {
        String token = tokenStore.load(TestSecrets.of(row.id())).await().indefinitely().orElseThrow()
                .tokens().refreshToken().reveal();
        secrets.add(token);
        return token;
    }

    private static Response disconnect(Seeded row) {
        return given().header("Authorization", bearer(key(row))).delete("/v1/integrations/{id}", row.id());
    }

    private static String key(Seeded row) {
        String key = TenantKeys.issue(row.tenant());
        secrets.add(key);
        return key;
    }

    private long queued(Seeded row) {
        return seeder.count("SELECT count(*) FROM revocation WHERE integration_id = :id", Map.of("id", row.id()));
    }

    private static List<Revocation> callsWith(FakeTokenEndpoint endpoint, String token) {
        return endpoint.revocations().stream().filter(call -> token.equals(call.form().get("token"))).toList();
    }

    private double count(String outcome) {
        return registry.find("refresher.revocations").tag("outcome", outcome).counter().count();
    }
}
