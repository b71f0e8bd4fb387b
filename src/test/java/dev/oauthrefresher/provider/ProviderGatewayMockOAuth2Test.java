package dev.oauthrefresher.provider;

import static dev.oauthrefresher.testsupport.MockOAuthServerResource.CLIENT_SECRET;
import static dev.oauthrefresher.testsupport.MockOAuthServerResource.GROUP;
import static dev.oauthrefresher.testsupport.MockOAuthServerResource.issueRefreshToken;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.provider.RefreshResult.GrantRevoked;
import dev.oauthrefresher.provider.RefreshResult.Refreshed;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Refreshes against a real authorization server that rotates refresh tokens (mock-oauth2-server). */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class ProviderGatewayMockOAuth2Test {

    static LogCapture logs;
    static final List<String> secrets = new CopyOnWriteArrayList<>(List.of(CLIENT_SECRET));

    @Inject
    ProviderGateway gateway;

    @BeforeAll
    static void captureLogs() {
        logs = LogCapture.install();
    }

    @AfterAll
    static void releaseLogs() {
        logs.close();
    }

    @AfterEach
    void shouldNotLogAnySecret() {
        logs.assertContainsNone(secrets);
    }

    @Test
    void shouldRefreshAGrantIssuedByARealAuthorizationServer() {
        String refreshToken = remember(issueRefreshToken());
        Instant before = Instant.now();

        Refreshed refreshed = (Refreshed) refresh(refreshToken);
        remember(refreshed.accessToken().reveal());
        refreshed.rotatedRefreshToken().map(Secret::reveal).ifPresent(this::remember);

        assertThat(refreshed.accessToken().reveal().split("\\.")).as("a signed JWT").hasSize(3);
        assertThat(refreshed.expiresAt()).isAfter(before);
        assertThat(refreshed.tokenType()).isEqualToIgnoringCase("Bearer");
        assertThat(refreshed.rotatedRefreshToken()).map(Secret::reveal).isPresent().get().isNotEqualTo(refreshToken);
    }

    @Test
    void shouldReportTheSpentRefreshTokenAsRevokedOnceTheServerRotatedIt() {
        String original = remember(issueRefreshToken());
        Refreshed first = (Refreshed) refresh(original);
        String rotated = remember(first.rotatedRefreshToken().orElseThrow().reveal());

        RefreshResult replay = refresh(original);
        Refreshed second = (Refreshed) refresh(rotated);
        second.rotatedRefreshToken().map(Secret::reveal).ifPresent(this::remember);

        assertThat(replay).isInstanceOf(GrantRevoked.class);
        assertThat(((GrantRevoked) replay).errorCode()).isEqualTo("invalid_grant");
        assertThat(((GrantRevoked) replay).httpStatus()).isEqualTo(400);
        assertThat(second.accessToken().reveal()).isNotBlank();
    }

    @Test
    void shouldReportAnUnknownRefreshTokenAsRevoked() {
        RefreshResult result = refresh(remember("never-issued-refresh-token-5c2e"));

        assertThat(result).isInstanceOf(GrantRevoked.class);
        assertThat(((GrantRevoked) result).errorCode()).isEqualTo("invalid_grant");
        assertThat(((GrantRevoked) result).description()).doesNotContain("never-issued-refresh-token-5c2e");
    }

    private RefreshResult refresh(String refreshToken) {
        return gateway.refresh(GROUP, Secret.of(refreshToken)).await().atMost(Duration.ofSeconds(30));
    }

    private String remember(String token) {
        secrets.add(token);
        return token;
    }
}
