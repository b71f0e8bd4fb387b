package dev.oauthrefresher.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oauthrefresher.provider.RefreshResult.ClientRejected;
import dev.oauthrefresher.provider.RefreshResult.GrantRevoked;
import dev.oauthrefresher.provider.RefreshResult.Transient;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The classification rules on fixed answers and a fixed clock. */
class TokenResponsesTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void shouldReadRetryAfterAsSeconds() {
        assertThat(TokenResponses.retryAfter(" 120 ", NOW)).contains(Duration.ofSeconds(120));
    }

    @Test
    void shouldReadRetryAfterAsAnHttpDate() {
        assertThat(TokenResponses.retryAfter("Mon, 23 Nov 2026 10:01:30 GMT", NOW)).contains(Duration.ofSeconds(90));
    }

    @Test
    void shouldReadAnHttpDateInThePastAsZero() {
        assertThat(TokenResponses.retryAfter("Mon, 23 Nov 2026 09:00:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @Test
    void shouldIgnoreAnUnreadableRetryAfter() {
        assertThat(TokenResponses.retryAfter("soon", NOW)).isEmpty();
        assertThat(TokenResponses.retryAfter("-5", NOW)).isEmpty();
        assertThat(TokenResponses.retryAfter("99999999999999999999", NOW)).isEmpty();
        assertThat(TokenResponses.retryAfter(null, NOW)).isEmpty();
    }

    @Test
    void shouldCarryRetryAfterOnA503() {
        assertThat(TokenResponses.classify(503, "Mon, 23 Nov 2026 10:02:00 GMT", "", NOW)).contains(
                new Transient("http_503", OptionalInt.of(503), Optional.of(Duration.ofMinutes(2)),
                        "HTTP 503 without an OAuth error"));
    }

    @Test
    void shouldTreatA408AsTransient() {
        assertThat(TokenResponses.classify(408, null, null, NOW)).get().isInstanceOf(Transient.class);
    }

    @Test
    void shouldLetInvalidGrantWinOverA401() {
        assertThat(TokenResponses.classify(401, null, "{\"error\":\"invalid_grant\"}", NOW))
                .contains(new GrantRevoked("invalid_grant", "invalid_grant", 401));
    }

    @Test
    void shouldTreatA401WithAnotherErrorAsClientRejected() {
        assertThat(TokenResponses.classify(401, null, "{\"error\":\"access_denied\"}", NOW))
                .contains(new ClientRejected("access_denied", "access_denied", 401));
    }

    @Test
    void shouldIgnoreAnErrorMemberThatIsNoOAuthErrorCode() {
        assertThat(TokenResponses.classify(400, null, "{\"error\":{\"code\":400,\"status\":\"invalid_grant\"}}", NOW))
                .contains(new Transient("http_400", OptionalInt.of(400), Optional.empty(), "HTTP 400 without an OAuth error"));
    }

    @Test
    void shouldAcceptAWellFormedTokenResponse() {
        assertThat(TokenResponses.classify(200, null,
                "{\"access_token\":\"at\",\"expires_in\":3599,\"refresh_token\":\"rt\",\"scope\":\"a b\",\"token_type\":\"Bearer\"}",
                NOW)).isEmpty();
    }

    @Test
    void shouldRejectAScopeThatIsNotAString() {
        assertThat(TokenResponses.classify(200, null, "{\"access_token\":\"at\",\"scope\":[\"a\",\"b\"]}", NOW))
                .contains(new Transient(Transient.MALFORMED_RESPONSE, OptionalInt.of(200), Optional.empty(),
                        "HTTP 200 with a scope that is not a string"));
    }

    @Test
    void shouldCutAndFlattenDescriptions() {
        String cleaned = TokenResponses.clean("line one\nline\ttwo " + "y".repeat(300));

        assertThat(cleaned).hasSize(RefreshResult.MAX_DESCRIPTION).startsWith("line one line two y").endsWith("...");
    }
}
