package dev.oauthrefresher.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.UUID;

/** The JSON bodies receivers get: thin, never a token. Written once into the outbox and sent as those bytes. */
final class WebhookPayloads {

    private WebhookPayloads() {
    }

    /** Envelope: the Standard Webhooks shape, with our event id also in the body. */
    @RegisterForReflection
    record Envelope(String id, String type, Instant timestamp, Object data) {
    }

    @RegisterForReflection
    record Reason(String code, String description) {
    }

    /**
     * @param reconnect on {@code integration.expired} and {@code integration.error} only: how the app gets its user
     *        back (a reconnect session for this integration)
     */
    @RegisterForReflection
    record IntegrationData(String tenant, UUID integrationId, String provider, String providerGroup,
            String externalAccount, String previousStatus, String status, long statusVersion, Reason reason,
            Instant firstFailureAt, Instant lastAttemptAt, @JsonInclude(JsonInclude.Include.NON_NULL) Reconnect reconnect) {
    }

    /** The tenant-API call that starts the user's reconnect: {@code POST /v1/connect-sessions} naming this integration. */
    @RegisterForReflection
    record Reconnect(String method, String path, ReconnectBody body) {

        static Reconnect of(UUID integrationId) {
            return new Reconnect("POST", "/v1/connect-sessions", new ReconnectBody(integrationId));
        }
    }

    @RegisterForReflection
    record ReconnectBody(UUID integrationId) {
    }

    @RegisterForReflection
    record TestData(String tenant, UUID endpointId) {
    }

    /** The {@code webhook-id} of an event: stable across retries and replays, the receiver's idempotency key. */
    static String webhookId(UUID eventId) {
        return "evt_" + eventId.toString().replace("-", "");
    }

    static String of(ObjectMapper json, UUID eventId, StatusChange c, Instant at) {
        Reason reason = c.reasonCode() == null ? null : new Reason(c.reasonCode(), c.reasonDescription());
        return write(json, new Envelope(webhookId(eventId), c.type().code(), at, new IntegrationData(c.tenantId(),
                c.integrationId(), c.provider(), c.providerGroup(), c.externalAccount(), c.previousStatus(), c.status(),
                c.statusVersion(), reason, c.firstFailureAt(), c.lastAttemptAt(), reconnectHint(c))));
    }

    /** A failure the user's new consent fixes gets the way to ask for it; other events need none. */
    private static Reconnect reconnectHint(StatusChange c) {
        boolean failed = c.type() == WebhookEventType.INTEGRATION_EXPIRED || c.type() == WebhookEventType.INTEGRATION_ERROR;
        return failed ? Reconnect.of(c.integrationId()) : null;
    }

    static String test(ObjectMapper json, UUID eventId, String tenantId, UUID endpointId, Instant at) {
        return write(json, new Envelope(webhookId(eventId), WebhookEventType.WEBHOOK_TEST.code(), at,
                new TestData(tenantId, endpointId)));
    }

    private static String write(ObjectMapper json, Envelope envelope) {
        try {
            return json.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not write a webhook payload", e);
        }
    }
}
