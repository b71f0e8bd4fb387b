package dev.oauthrefresher.provider;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.provider.RefreshResult.ClientRejected;
import dev.oauthrefresher.provider.RefreshResult.GrantRevoked;
import dev.oauthrefresher.provider.RefreshResult.Refreshed;
import dev.oauthrefresher.provider.RefreshResult.Transient;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The classification rules on fixed answers and a fixed clock. */
class TokenResponsesTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    /** A group's lifetimes, unlike the defaults so a test can tell they were used. */
    static final TokenResponses.Lifetimes LIFETIMES = new TokenResponses.Lifetimes(Duration.ofMinutes(45), Duration.ofMinutes(3));

    @Test
    void shouldCarryRetryAfterOnA503() {
        assertThat(TokenResponses.interpret(503, "Mon, 23 Nov 2026 10:02:00 GMT", "", NOW, LIFETIMES)).isEqualTo(
                new Transient("http_503", OptionalInt.of(503), Optional.of(Duration.ofMinutes(2)),
                        "HTTP 503 without an OAuth error"));
    }

    @Test
    void shouldTreatA408AsTransient() {
        assertThat(TokenResponses.interpret(408, null, null, NOW, LIFETIMES)).isInstanceOf(Transient.class);
    }

    @Test
    void shouldLetInvalidGrantWinOverA401() {
        assertThat(TokenResponses.interpret(401, null, "{\"error\":\"invalid_grant\"}", NOW, LIFETIMES))
                .isEqualTo(new GrantRevoked("invalid_grant", "invalid_grant", 401));
    }

    @Test
    void shouldTreatA401WithAnotherErrorAsClientRejected() {
        assertThat(TokenResponses.interpret(401, null, "{\"error\":\"access_denied\"}", NOW, LIFETIMES))
                .isEqualTo(new ClientRejected("access_denied", "access_denied", 401));
    }

    @Test
    void shouldIgnoreAnErrorMemberThatIsNoOAuthErrorCode() {
        assertThat(TokenResponses.interpret(400, null, "{\"error\":{\"code\":400,\"status\":\"invalid_grant\"}}", NOW, LIFETIMES))
                .isEqualTo(new Transient("http_400", OptionalInt.of(400), Optional.empty(), "HTTP 400 without an OAuth error"));
    }

    @Test
    void shouldAcceptAWellFormedTokenResponse() {
        Refreshed refreshed = (Refreshed) TokenResponses.interpret(200, null,
                "{\"access_token\":\"at\",\"expires_in\":3599,\"refresh_token\":\"rt\",\"scope\":\"a b\",\"token_type\":\"Bearer\"}",
                NOW, LIFETIMES);

        assertThat(refreshed.rotatedRefreshToken()).contains(Secret.of("rt"));
        assertThat(refreshed.expiresAt()).isEqualTo(NOW.plusSeconds(3599));
        assertThat(refreshed.scope()).contains("a b");
        assertThat(refreshed.oddities()).isEmpty();
    }

    @Test
    void shouldKeepARotatedRefreshTokenWhenScopeIsAnArrayAndExpiresInIsUnreadable() {
        Refreshed refreshed = (Refreshed) TokenResponses.interpret(200, null,
                "{\"access_token\":\"at\",\"refresh_token\":\"rt-next\",\"scope\":[\"a\",\"b\"],\"expires_in\":\"3600s\"}", NOW, LIFETIMES);

        assertThat(refreshed.rotatedRefreshToken()).contains(Secret.of("rt-next"));
        assertThat(refreshed.scope()).contains("a b");
        assertThat(refreshed.expiresAt()).isEqualTo(NOW.plus(LIFETIMES.unreadable()));
        assertThat(refreshed.oddities()).containsExactly("expires_in_unreadable", "scope_array");
    }

    @Test
    void shouldKeepARotatedRefreshTokenThatCameWithoutAnAccessTokenAndMakeTheRowDueAtOnce() {
        Refreshed refreshed = (Refreshed) TokenResponses.interpret(200, null,
                "{\"refresh_token\":\"rt-next\",\"token_type\":7,\"scope\":{\"x\":1}}", NOW, LIFETIMES);

        assertThat(refreshed.rotatedRefreshToken()).contains(Secret.of("rt-next"));
        assertThat(refreshed.expiresAt()).isEqualTo(NOW);
        assertThat(refreshed.tokenType()).isEqualTo("Bearer");
        assertThat(refreshed.oddities()).containsExactly("access_token_missing", "scope_unreadable", "token_type_not_string");
    }

    @Test
    void shouldDateAnOpaqueAnswerWithoutExpiryFromAJwtExpClaim() {
        String payload = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"exp\":" + NOW.plusSeconds(600).getEpochSecond() + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Refreshed refreshed = (Refreshed) TokenResponses.interpret(200, null,
                "{\"access_token\":\"eyJhbGciOiJIUzI1NiJ9." + payload + ".c2ln\"}", NOW, LIFETIMES);

        assertThat(refreshed.expiresAt()).isEqualTo(NOW.plusSeconds(600));
    }

    @Test
    void shouldDateAnOpaqueAnswerWithoutExpiryWithTheGroupsAssumedLifetime() {
        Refreshed refreshed = (Refreshed) TokenResponses.interpret(200, null, "{\"access_token\":\"opaque\"}", NOW, LIFETIMES);

        assertThat(refreshed.expiresAt()).isEqualTo(NOW.plus(LIFETIMES.assumed()));
        assertThat(refreshed.oddities()).isEmpty();
    }

    @Test
    void shouldCutAndFlattenDescriptions() {
        String cleaned = TokenResponses.clean("line one\nline\ttwo " + "y".repeat(300));

        assertThat(cleaned).hasSize(RefreshResult.MAX_DESCRIPTION).startsWith("line one line two y").endsWith("...");
    }
}
