package dev.oauthrefresher.webhook;

import dev.oauthrefresher.webhook.WebhookDeliveryRepository.DeliveryRow;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Request and response bodies of the webhook endpoint API. A secret appears only in the answer that creates it. */
public final class WebhookDtos {

    /** The event types an endpoint may subscribe to ({@code webhook.test} goes to whoever asks for it). */
    static final String EVENT_PATTERN =
            "^(integration\\.expired|integration\\.error|integration\\.recovered|integration\\.reconnected|integration\\.connected|integration\\.deleted)$";

    private WebhookDtos() {
    }

    /** {@code POST /v1/webhook-endpoints}. */
    public record CreateEndpoint(
            @NotBlank @Size(max = 2048) @ReceiverUrl String url,
            @NotEmpty @Size(max = 16) List<@NotNull @Pattern(regexp = EVENT_PATTERN, message = "must be one of "
                    + "integration.expired, integration.error, integration.recovered, integration.reconnected, "
                    + "integration.connected, integration.deleted") String> events) {
    }

    /** An endpoint as listed: never its secret. */
    public record EndpointView(UUID id, String url, List<String> events, boolean enabled, String disabledReason,
            Instant createdAt) {

        static EndpointView of(WebhookEndpoint e) {
            return new EndpointView(e.id(), e.url(), codes(e), e.enabled(), e.disabledReason(), e.createdAt());
        }
    }

    /** The answer to a create: the secret, shown this once. */
    public record CreatedEndpoint(UUID id, String url, List<String> events, String secret, boolean enabled) {

        @Override
        public String toString() {
            return "CreatedEndpoint[id=" + id + ", secret=[redacted]]";
        }
    }

    /** The answer to a rotation: the new secret, and until when the old one still signs deliveries. */
    public record RotatedSecret(UUID id, String secret, Instant previousSecretValidUntil) {

        @Override
        public String toString() {
            return "RotatedSecret[id=" + id + ", secret=[redacted]]";
        }
    }

    /** The answer to {@code POST /v1/webhook-endpoints/{id}/test}. */
    public record TestSent(UUID endpointId, String webhookId) {
    }

    /** One delivery as listed. */
    public record DeliveryView(long id, String webhookId, String eventType, UUID endpointId, UUID integrationId,
            String status, int attempts, Instant nextAttemptAt, Instant lastAttemptAt, Integer lastResponseStatus,
            String lastError, Instant createdAt, Instant finishedAt) {

        static DeliveryView of(DeliveryRow r) {
            return new DeliveryView(r.id(), WebhookPayloads.webhookId(r.eventId()), r.eventType(), r.endpointId(),
                    r.integrationId(), r.status(), r.attempts(), r.nextAttemptAt(), r.lastAttemptAt(),
                    r.lastResponseStatus(), r.lastError(), r.createdAt(), r.finishedAt());
        }
    }

    public record DeliveryPage(List<DeliveryView> items) {
    }

    public record EndpointPage(List<EndpointView> items) {
    }

    private static List<String> codes(WebhookEndpoint e) {
        return e.events().stream().map(WebhookEventType::code).toList();
    }
}
