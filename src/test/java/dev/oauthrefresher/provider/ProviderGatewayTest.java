package dev.oauthrefresher.provider;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.BASIC;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.DOWN;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.GOOGLE;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.ROTATING;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.SLOW;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.clientId;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.clientSecret;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.form;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.path;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.revocationPath;
import static dev.oauthrefresher.testsupport.WireMockTokenEndpointResource.server;
import static org.assertj.core.api.Assertions.assertThat;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.provider.RefreshResult.ClientRejected;
import dev.oauthrefresher.provider.RefreshResult.GrantRevoked;
import dev.oauthrefresher.provider.RefreshResult.Refreshed;
import dev.oauthrefresher.provider.RefreshResult.Transient;
import dev.oauthrefresher.provider.RefreshResult.UnknownGroup;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.WireMockTokenEndpointResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every answer shape a token endpoint gives, through the real web client against WireMock, and its result. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class ProviderGatewayTest {

    static LogCapture logs;
    /** Every token a test sent or had issued; none may reach a log. */
    static final List<String> secrets = new CopyOnWriteArrayList<>();

    @Inject
    ProviderGateway gateway;

    @Inject
    ProvidersConfig providers;

    @BeforeAll
    static void captureLogs() {
        logs = LogCapture.install();
        WireMockTokenEndpointResource.GROUPS.forEach(group -> secrets.add(clientSecret(group)));
    }

    @AfterAll
    static void releaseLogs() {
        logs.close();
    }

    @BeforeEach
    void resetEndpoint() {
        server().resetAll();
    }

    @AfterEach
    void shouldNotLogAnySecret() {
        logs.assertContainsNone(secrets);
    }

    @Test
    void shouldKeepTheOldRefreshTokenWhenGoogleReturnsNone() {
        String accessToken = issued("ya29.google-access");
        stub(GOOGLE, okJson("{\"access_token\":\"" + accessToken + "\",\"expires_in\":3599,"
                + "\"scope\":\"https://www.googleapis.com/auth/gmail.readonly\",\"token_type\":\"Bearer\","
                + "\"id_token\":\"eyJhbGciOiJSUzI1NiJ9.e30.c2ln\"}"));
        Instant before = Instant.now();

        Refreshed refreshed = (Refreshed) refresh(GOOGLE, newRefreshToken());

        assertThat(refreshed.accessToken().reveal()).isEqualTo(accessToken);
        assertThat(refreshed.rotatedRefreshToken()).isEmpty();
        assertThat(refreshed.expiresAt()).isBetween(before.plusSeconds(3598), Instant.now().plusSeconds(3600));
        assertThat(refreshed.scope()).contains("https://www.googleapis.com/auth/gmail.readonly");
        assertThat(refreshed.tokenType()).isEqualTo("Bearer");
        assertThat(refreshed.toString()).doesNotContain(accessToken);
    }

    @Test
    void shouldSendGoogleClientCredentialsInThePostBodyAndNotInABasicHeader() {
        stub(GOOGLE, okJson("{\"access_token\":\"" + issued("ya29.post") + "\",\"expires_in\":3599}"));
        String refreshToken = newRefreshToken();

        assertThat(refresh(GOOGLE, refreshToken)).isInstanceOf(Refreshed.class);

        LoggedRequest request = onlyRequest(GOOGLE);
        assertThat(form(request.getBodyAsString())).containsExactlyInAnyOrderEntriesOf(Map.of(
                "grant_type", "refresh_token",
                "refresh_token", refreshToken,
                "client_id", clientId(GOOGLE),
                "client_secret", clientSecret(GOOGLE)));
        assertThat(request.containsHeader("Authorization")).isFalse();
        assertThat(request.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
    }

    @Test
    void shouldReturnTheRotatedRefreshTokenAndSendTheConfiguredScopes() {
        String rotated = issued("rt-rotated");
        stub(ROTATING, okJson("{\"access_token\":\"" + issued("at-rotating") + "\",\"expires_in\":\"600\","
                + "\"refresh_token\":\"" + rotated + "\",\"token_type\":\"bearer\"}"));

        Refreshed refreshed = (Refreshed) refresh(ROTATING, newRefreshToken());

        assertThat(refreshed.rotatedRefreshToken()).map(Secret::reveal).contains(rotated);
        assertThat(refreshed.tokenType()).isEqualTo("bearer");
        assertThat(refreshed.scope()).isEmpty();
        assertThat(form(onlyRequest(ROTATING).getBodyAsString())).containsEntry("scope", "openid offline_access");
    }

    @Test
    void shouldAuthenticateWithABasicHeaderWhenTheGroupAsksForIt() {
        stub(BASIC, okJson("{\"access_token\":\"" + issued("at-basic") + "\",\"expires_in\":60}"));

        assertThat(refresh(BASIC, newRefreshToken())).isInstanceOf(Refreshed.class);

        LoggedRequest request = onlyRequest(BASIC);
        assertThat(request.getHeader("Authorization")).startsWith("Basic ");
        assertThat(form(request.getBodyAsString())).doesNotContainKey("client_secret");
    }

    @Test
    void shouldRevokeAtAnRfc7009EndpointWithTheTokenTypeHintAndClientSecretBasic() {
        server().stubFor(post(urlPathEqualTo(revocationPath(BASIC))).willReturn(aResponse().withStatus(200)));
        String refreshToken = newRefreshToken();

        assertThat(gateway.revoke(BASIC, Secret.of(refreshToken)).await().atMost(Duration.ofSeconds(30)))
                .isInstanceOf(RevocationResult.Revoked.class);

        LoggedRequest request = onlyRevocation(BASIC);
        assertThat(form(request.getBodyAsString())).containsExactlyInAnyOrderEntriesOf(Map.of(
                "token", refreshToken, "token_type_hint", "refresh_token"));
        assertThat(request.getHeader("Authorization")).startsWith("Basic ");
        assertThat(request.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
    }

    @Test
    void shouldRevokeAtGooglesEndpointWithTheTokenAloneAndTakeInvalidTokenAsAlreadyInvalid() {
        server().stubFor(post(urlPathEqualTo(revocationPath(GOOGLE))).willReturn(
                error(400, "{\"error\":\"invalid_token\",\"error_description\":\"Token expired or revoked\"}")));
        String refreshToken = newRefreshToken();

        assertThat(gateway.revoke(GOOGLE, Secret.of(refreshToken)).await().atMost(Duration.ofSeconds(30)))
                .isEqualTo(new RevocationResult.AlreadyInvalid("invalid_token"));

        LoggedRequest request = onlyRevocation(GOOGLE);
        assertThat(form(request.getBodyAsString())).containsExactlyInAnyOrderEntriesOf(Map.of("token", refreshToken));
        assertThat(request.containsHeader("Authorization")).isFalse();
    }

    @Test
    void shouldRetryARevocationThatTimedOutOrLostItsConnectionNamingNeitherTokenNorBody() {
        server().stubFor(post(urlPathEqualTo(revocationPath(SLOW))).willReturn(aResponse().withStatus(200).withFixedDelay(3000)));
        String refreshToken = newRefreshToken();
        RevocationResult timedOut = gateway.revoke(SLOW, Secret.of(refreshToken)).await().atMost(Duration.ofSeconds(30));
        assertThat(timedOut).isInstanceOf(RevocationResult.Retry.class);
        assertThat(((RevocationResult.Retry) timedOut).reason()).contains("timeout");

        server().stubFor(post(urlPathEqualTo(revocationPath(GOOGLE))).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        RevocationResult reset = gateway.revoke(GOOGLE, Secret.of(refreshToken)).await().atMost(Duration.ofSeconds(30));
        assertThat(reset).isInstanceOf(RevocationResult.Retry.class);
        assertThat(reset.toString()).doesNotContain(refreshToken);
    }

    @Test
    void shouldRevokeNothingForAGroupWithoutARevocationEndpoint() {
        assertThat(gateway.revokes(ROTATING)).isFalse();
        assertThat(gateway.revokes(GOOGLE)).isTrue();
        assertThat(gateway.revoke(ROTATING, Secret.of(newRefreshToken())).await().atMost(Duration.ofSeconds(30)))
                .isInstanceOf(RevocationResult.Refused.class);
        assertThat(server().getAllServeEvents()).isEmpty();
    }

    @Test
    void shouldAssumeTheGroupsLifetimeWhenTheAnswerHasNoExpiry() {
        stub(ROTATING, okJson("{\"access_token\":\"" + issued("opaque-access") + "\"}"));
        Duration assumed = providers.groups().get(ROTATING).assumedTokenLifetime();
        Instant before = Instant.now();

        Refreshed refreshed = (Refreshed) refresh(ROTATING, newRefreshToken());

        assertThat(refreshed.expiresAt()).isBetween(before.plus(assumed), Instant.now().plus(assumed));
        assertThat(refreshed.tokenType()).isEqualTo("Bearer");
        assertThat(refreshed.rotatedRefreshToken()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Token has been expired or revoked.", "reauth related error (invalid_rapt)"})
    void shouldReportInvalidGrantAsRevoked(String description) {
        stub(GOOGLE, error(400, "{\"error\":\"invalid_grant\",\"error_description\":\"" + description + "\"}"));

        assertThat(refresh(GOOGLE, newRefreshToken()))
                .isEqualTo(new GrantRevoked("invalid_grant", "invalid_grant: " + description, 400));
    }

    @Test
    void shouldReportAnInvalidGrantAnsweredWith200AsRevoked() {
        stub(ROTATING, okJson("{\"error\":\"invalid_grant\"}"));

        assertThat(refresh(ROTATING, newRefreshToken())).isEqualTo(new GrantRevoked("invalid_grant", "invalid_grant", 200));
    }

    @Test
    void shouldReportInvalidClientAsClientRejected() {
        stub(GOOGLE, error(401, "{\"error\":\"invalid_client\",\"error_description\":\"The OAuth client was not found.\"}"));

        assertThat(refresh(GOOGLE, newRefreshToken()))
                .isEqualTo(new ClientRejected("invalid_client", "invalid_client: The OAuth client was not found.", 401));
    }

    @Test
    void shouldReportUnauthorizedClientAsClientRejected() {
        stub(ROTATING, error(400, "{\"error\":\"unauthorized_client\"}"));

        assertThat(refresh(ROTATING, newRefreshToken()))
                .isEqualTo(new ClientRejected("unauthorized_client", "unauthorized_client", 400));
    }

    @Test
    void shouldReportA401WithoutAnOAuthErrorAsClientRejected() {
        stub(ROTATING, aResponse().withStatus(401));

        assertThat(refresh(ROTATING, newRefreshToken()))
                .isEqualTo(new ClientRejected("http_401", "HTTP 401 without an OAuth error", 401));
    }

    @Test
    void shouldHonourRetryAfterOnA429() {
        stub(GOOGLE, error(429, "{\"error\":\"rate_limit_exceeded\"}").withHeader("Retry-After", "30"));

        assertThat(refresh(GOOGLE, newRefreshToken())).isEqualTo(new Transient("http_429", OptionalInt.of(429),
                Optional.of(Duration.ofSeconds(30)), "rate_limit_exceeded"));
    }

    @Test
    void shouldReportA503WithAnEmptyBodyAsTransient() {
        stub(GOOGLE, aResponse().withStatus(503));

        assertThat(refresh(GOOGLE, newRefreshToken())).isEqualTo(new Transient("http_503", OptionalInt.of(503),
                Optional.empty(), "HTTP 503 without an OAuth error"));
    }

    @Test
    void shouldReportA500WithAnOAuthErrorAsTransient() {
        stub(ROTATING, error(500, "{\"error\":\"server_error\",\"error_description\":\"backend unavailable\"}"));

        assertThat(refresh(ROTATING, newRefreshToken())).isEqualTo(new Transient("http_500", OptionalInt.of(500),
                Optional.empty(), "server_error: backend unavailable"));
    }

    @Test
    void shouldReportAnUnrecognised400AsTransientRatherThanExpireTheGrant() {
        stub(ROTATING, error(400, "{\"error\":\"invalid_scope\",\"error_description\":\"scope not granted\"}"));

        assertThat(refresh(ROTATING, newRefreshToken())).isEqualTo(new Transient("http_400", OptionalInt.of(400),
                Optional.empty(), "invalid_scope: scope not granted"));
    }

    @Test
    void shouldReportAnAnswerSlowerThanTheRequestTimeoutAsTransientTimeout() {
        stub(SLOW, okJson("{\"access_token\":\"" + issued("at-too-late") + "\"}").withFixedDelay(4000));

        RefreshResult result = refresh(SLOW, newRefreshToken());

        assertThat(result).isInstanceOf(Transient.class);
        assertThat(((Transient) result).errorCode()).isEqualTo(Transient.TIMEOUT);
        assertThat(((Transient) result).httpStatus()).isEmpty();
    }

    @Test
    void shouldReportARefusedConnectionAsTransientConnectError() {
        RefreshResult result = refresh(DOWN, newRefreshToken());

        assertThat(result).isInstanceOf(Transient.class);
        assertThat(((Transient) result).errorCode()).isEqualTo(Transient.CONNECT_ERROR);
        // the capture sees this service's DEBUG lines, so the no-secrets checks are not vacuous
        assertThat(logs.text()).contains("Provider group " + DOWN + ": Transient[errorCode=connect_error");
    }

    @Test
    void shouldNotResendARefreshTokenWhenTheConnectionIsResetAfterTheRequestWasSent() {
        stub(ROTATING, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));

        RefreshResult result = refresh(ROTATING, newRefreshToken());

        assertThat(result).isInstanceOf(Transient.class);
        assertThat(((Transient) result).errorCode()).isEqualTo(Transient.CONNECTION_LOST);
        // the provider may have rotated on that one request: a second one would spend the old token again
        onlyRequest(ROTATING);
    }

    @Test
    void shouldNotResendWhenTheEndpointClosesTheConnectionWithoutAnswering() {
        stub(ROTATING, aResponse().withFault(Fault.EMPTY_RESPONSE));

        RefreshResult result = refresh(ROTATING, newRefreshToken());

        assertThat(((Transient) result).errorCode()).isEqualTo(Transient.CONNECTION_LOST);
        onlyRequest(ROTATING);
    }

    @Test
    void shouldKeepARotatedRefreshTokenFromA200WithOddMembersAndNameThem() {
        String rotated = issued("rt-rotated");
        stub(ROTATING, okJson("{\"access_token\":\"" + issued("at-odd") + "\",\"refresh_token\":\"" + rotated
                + "\",\"scope\":[\"openid\",\"email\"],\"expires_in\":\"3600s\"}"));
        Instant before = Instant.now();

        Refreshed refreshed = (Refreshed) refresh(ROTATING, newRefreshToken());

        assertThat(refreshed.rotatedRefreshToken()).contains(Secret.of(rotated));
        assertThat(refreshed.scope()).contains("openid email");
        assertThat(refreshed.expiresAt()).isBefore(before.plus(Duration.ofMinutes(10)));
        assertThat(refreshed.oddities()).containsExactly("expires_in_unreadable", "scope_array");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<html>Bad gateway</html>", "{\"token_type\":\"Bearer\",\"expires_in\":3600}",
            "{\"expires_in\":3600,\"scope\":\"a\"}", "[\"access_token\"]", "null", ""})
    void shouldReportAnUnusable200AsTransientMalformedResponse(String body) {
        stub(ROTATING, aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body));

        RefreshResult result = refresh(ROTATING, newRefreshToken());

        assertThat(result).isInstanceOf(Transient.class);
        assertThat(((Transient) result).errorCode()).isEqualTo(Transient.MALFORMED_RESPONSE);
        assertThat(((Transient) result).httpStatus()).hasValue(200);
    }

    @Test
    void shouldAnswerUnknownGroupWithoutCallingAnything() {
        assertThat(gateway.knowsGroup("not-configured")).isFalse();
        assertThat(gateway.knowsGroup(GOOGLE)).isTrue();

        assertThat(refresh("not-configured", newRefreshToken())).isEqualTo(new UnknownGroup("not-configured"));
        assertThat(server().getAllServeEvents()).isEmpty();
    }

    @Test
    void shouldCutLongDescriptionsAndRedactAnEchoedRefreshToken() {
        String refreshToken = newRefreshToken();
        String echo = "refresh token " + refreshToken + " was revoked " + "x".repeat(400);
        stub(GOOGLE, error(400, "{\"error\":\"invalid_grant\",\"error_description\":\"" + echo + "\"}"));

        GrantRevoked revoked = (GrantRevoked) refresh(GOOGLE, refreshToken);

        assertThat(revoked.description()).hasSize(RefreshResult.MAX_DESCRIPTION)
                .startsWith("invalid_grant: refresh token [redacted] was revoked")
                .doesNotContain(refreshToken);
    }

    private RefreshResult refresh(String group, String refreshToken) {
        return gateway.refresh(group, Secret.of(refreshToken)).await().atMost(Duration.ofSeconds(30));
    }

    private static void stub(String group, ResponseDefinitionBuilder response) {
        server().stubFor(post(urlPathEqualTo(path(group))).willReturn(response));
    }

    private static ResponseDefinitionBuilder error(int status, String json) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(json);
    }

    private static LoggedRequest onlyRequest(String group) {
        List<LoggedRequest> requests = server().findAll(postRequestedFor(urlPathEqualTo(path(group))));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private static LoggedRequest onlyRevocation(String group) {
        List<LoggedRequest> requests = server().findAll(postRequestedFor(urlPathEqualTo(revocationPath(group))));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    private static String newRefreshToken() {
        return issued("1//rt-" + UUID.randomUUID());
    }

    private static String issued(String prefix) {
        String token = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        secrets.add(token);
        return token;
    }
}
