package dev.oauthrefresher.provider;

import static org.assertj.core.api.Assertions.assertThat;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a revocation endpoint's answers are read: RFC 7009's and Google's. */
class RevocationResultTest {

    private static final Instant NOW = Instant.parse("2026-12-05T07:00:00Z");

    @Test
    void shouldTakeA200AsRevokedAndGooglesInvalidTokenAsAlreadyInvalid() {
        assertThat(RevocationResult.interpret(200, null, "", NOW)).isInstanceOf(RevocationResult.Revoked.class);
        assertThat(RevocationResult.interpret(400, null,
                "{\"error\":\"invalid_token\",\"error_description\":\"Token expired or revoked\"}", NOW))
                .isEqualTo(new RevocationResult.AlreadyInvalid("invalid_token"));
    }

    @Test
    void shouldRetryAnOutageAThrottleAndARejectedClientHonouringRetryAfter() {
        assertThat(RevocationResult.interpret(503, "7", "{\"error\":\"temporarily_unavailable\"}", NOW))
                .isEqualTo(new RevocationResult.Retry("http_503 temporarily_unavailable", Optional.of(Duration.ofSeconds(7))));
        assertThat(RevocationResult.interpret(429, null, "", NOW)).isInstanceOf(RevocationResult.Retry.class);
        assertThat(RevocationResult.interpret(401, null, "{\"error\":\"invalid_client\"}", NOW))
                .isInstanceOf(RevocationResult.Retry.class);
    }

    @Test
    void shouldGiveUpOnAnAnswerThatWouldNotChangeAndNeverQuoteAnUnknownErrorCode() {
        RevocationResult refused = RevocationResult.interpret(400, null, "{\"error\":\"unsupported_token_type\"}", NOW);
        assertThat(refused).isEqualTo(new RevocationResult.Refused("http_400 unsupported_token_type"));
        // an error code is almost any printable text (RFC 6749): a provider could echo the token there
        RevocationResult echoed = RevocationResult.interpret(400, null, "{\"error\":\"rt-secret-token-value\"}", NOW);
        assertThat(echoed.toString()).doesNotContain("rt-secret-token-value").contains("other_error");
    }
}
