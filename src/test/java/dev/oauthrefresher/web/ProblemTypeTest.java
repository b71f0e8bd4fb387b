package dev.oauthrefresher.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The problem catalog: what clients switch on stays put, and a problem worth retrying always says when. */
class ProblemTypeTest {

    @Test
    void shouldGiveEveryProblemItsOwnType() {
        assertThat(Arrays.stream(ProblemType.values()).map(ProblemType::slug)).doesNotHaveDuplicates()
                .allMatch(slug -> slug.matches("[a-z]+(-[a-z]+)*"));
    }

    @Test
    void shouldGiveEveryProblemAnErrorStatusAndATitle() {
        assertThat(ProblemType.values()).allSatisfy(type -> {
            assertThat(type.status()).as(type.slug()).isBetween(400, 599);
            assertThat(type.title()).as(type.slug()).isNotBlank();
        });
    }

    @Test
    void shouldGiveEveryRetryableProblemARetryAfterOfAtLeastASecond() {
        assertThat(ProblemType.values()).filteredOn(ProblemType::retryable).isNotEmpty().allSatisfy(type ->
                assertThat(type.defaultRetryAfter()).as(type.slug()).hasValueSatisfying(wait ->
                        assertThat(wait).isGreaterThanOrEqualTo(Duration.ofSeconds(1))));
        assertThat(ProblemType.values()).filteredOn(type -> type.status() == 503 || type.status() == 429)
                .allMatch(ProblemType::retryable);
    }

    @Test
    void shouldKeepEveryPublishedTypeWithItsStatusAndTitle() {
        Map<String, String> published = new LinkedHashMap<>();
        published.put("invalid-request", "400 Bad Request");
        published.put("unauthorized", "401 Unauthorized");
        published.put("bad-webhook-signature", "401 Unauthorized");
        published.put("forbidden", "403 Forbidden");
        published.put("missing-scope", "403 Forbidden");
        published.put("not-found", "404 Not Found");
        published.put("unknown-task", "404 Not Found");
        published.put("conflict", "409 Conflict");
        published.put("run-in-progress", "409 Conflict");
        published.put("rotation-pending", "409 Conflict");
        published.put("vault-move-in-progress", "409 Conflict");
        published.put("payload-too-large", "413 Payload Too Large");
        published.put("unsupported-media-type", "415 Unsupported Media Type");
        published.put("reconnect-required", "424 Failed Dependency");
        published.put("integration-error", "424 Failed Dependency");
        published.put("rate-limited", "429 Too Many Requests");
        published.put("tenant-refresh-budget", "429 Too Many Requests");
        published.put("webhook-manual-send-budget", "429 Too Many Requests");
        published.put("tenant-operation-budget", "429 Too Many Requests");
        published.put("failed-auth-budget", "429 Too Many Requests");
        published.put("run-failed", "500 Internal Server Error");
        published.put("database-unavailable", "503 Service Unavailable");
        published.put("token-store-unavailable", "503 Service Unavailable");
        published.put("vault-budget", "503 Service Unavailable");
        published.put("token-unavailable", "503 Service Unavailable");
        published.put("audit-unavailable", "503 Service Unavailable");
        published.put("integration-busy", "503 Service Unavailable");
        published.put("shutting-down", "503 Service Unavailable");
        Map<String, String> catalog = new LinkedHashMap<>();
        Arrays.stream(ProblemType.values()).forEach(type -> catalog.put(type.slug(), type.status() + " " + type.title()));
        assertThat(catalog).isEqualTo(published);
    }

    @Test
    void shouldAnswerAProblemWithItsCatalogEntryAndTheRetryAfterTheThrowerKnows() {
        ProblemException busy = new ProblemException(ProblemType.INTEGRATION_BUSY, "Integration x is being refreshed.");
        assertThat(busy.status()).isEqualTo(503);
        assertThat(busy.headers()).containsExactly(Map.entry("Retry-After", "5"));
        assertThat(busy.toProblem()).isEqualTo(new Problem("urn:oauth-refresher:problem:integration-busy",
                "Service Unavailable", 503, "Integration x is being refreshed.", List.of()));
        ProblemException waited = new ProblemException(ProblemType.RATE_LIMITED, "Slow down.", Duration.ofMillis(1200));
        assertThat(waited.headers()).containsExactly(Map.entry("Retry-After", "2"));
        assertThat(new ProblemException(ProblemType.NOT_FOUND, "No such thing.").headers()).isEmpty();
    }

    @Test
    void shouldRefuseARetryAfterOnAProblemThatIsNotRetryable() {
        assertThatThrownBy(() -> new ProblemException(ProblemType.NOT_FOUND, "No such thing.", Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not-found");
    }

    @Test
    void shouldAnswerTheSameProblemWithTheStatusAProtocolNeeds() {
        ProblemException nonRetryable = new ProblemException(ProblemType.UNKNOWN_TASK, "No task named 'x'.")
                .answeredAs(489, "Unknown Task", Map.of("Upstash-NonRetryable-Error", "true"));
        assertThat(nonRetryable.toProblem()).isEqualTo(new Problem("urn:oauth-refresher:problem:unknown-task",
                "Unknown Task", 489, "No task named 'x'.", List.of()));
        assertThat(nonRetryable.headers()).containsExactly(Map.entry("Upstash-NonRetryable-Error", "true"));
    }
}
