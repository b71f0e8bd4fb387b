package dev.oauthrefresher.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import dev.oauthrefresher.common.Secret;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The demo tenant's webhook receiver, as a host app would write one: it verifies each delivery's Standard Webhooks
 * signature with the endpoint's secret (kept in memory only, handed over by {@link DemoSeeder}), logs the event and
 * keeps the last {@value #KEPT} for the walkthrough, each {@code webhook-id} once. All state sits behind this object's monitor.
 */
@ApplicationScoped
@IfBuildProperty(name = "refresher.sandbox.enabled", stringValue = "true")
public class SandboxWebhooks {

    static final int KEPT = 50;
    private static final Logger LOG = Logger.getLogger(SandboxWebhooks.class);

    /** One event as received: what the status change says, never a token or the secret. */
    public record Received(String webhookId, String type, Instant receivedAt, String integrationId,
            String externalAccount, String previousStatus, String status, String reasonCode, String reasonDescription) {
    }

    public record ReceivedPage(List<Received> items) {
    }

    private final ObjectMapper json;
    private final Deque<Received> received = new ArrayDeque<>();
    private Webhook verifier;

    SandboxWebhooks(ObjectMapper json) {
        this.json = json;
    }

    /** The demo endpoint's secret, from now on the only one accepted. */
    synchronized void trust(Secret secret) {
        verifier = new Webhook(secret.reveal());
    }

    /** False if the signature does not verify (or no endpoint is registered yet): the delivery is refused. */
    public boolean receive(String webhookId, String timestamp, String signature, String body) {
        Optional<Received> event = verified(webhookId, timestamp, signature, body).map(this::parse);
        if (event.isEmpty()) {
            LOG.warn("Sandbox: webhook delivery refused: its signature does not verify with the demo endpoint's secret");
            return false;
        }
        Received e = event.get();
        synchronized (this) {
            // a retry or replay carries the same webhook-id: answered as received, kept once
            if (received.stream().anyMatch(r -> r.webhookId().equals(e.webhookId()))) {
                LOG.infof("Sandbox: webhook %s received again", e.webhookId());
                return true;
            }
            received.addFirst(e);
            while (received.size() > KEPT) {
                received.removeLast();
            }
        }
        LOG.infof("Sandbox: webhook %s received: %s integration %s (%s) %s -> %s, reason %s", e.webhookId(), e.type(),
                e.integrationId(), e.externalAccount(), e.previousStatus(), e.status(),
                e.reasonCode() == null ? "none" : e.reasonCode() + " (" + e.reasonDescription() + ")");
        return true;
    }

    /** The events received so far, newest first. */
    public synchronized ReceivedPage received() {
        return new ReceivedPage(List.copyOf(received));
    }

    private Optional<String> verified(String webhookId, String timestamp, String signature, String body) {
        Webhook current;
        synchronized (this) {
            current = verifier;
        }
        if (current == null || webhookId == null || timestamp == null || signature == null) {
            return Optional.empty();
        }
        try {
            current.verify(body, Map.of("webhook-id", List.of(webhookId), "webhook-timestamp", List.of(timestamp),
                    "webhook-signature", List.of(signature)));
            return Optional.of(body);
        } catch (WebhookVerificationException e) {
            return Optional.empty();
        }
    }

    private Received parse(String body) {
        JsonNode event;
        try {
            event = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A signed webhook body is not JSON", e);
        }
        JsonNode data = event.path("data");
        JsonNode reason = data.path("reason");
        return new Received(event.path("id").asText(), event.path("type").asText(), Instant.now(),
                text(data, "integrationId"), text(data, "externalAccount"), text(data, "previousStatus"),
                text(data, "status"), text(reason, "code"), text(reason, "description"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() ? value.asText() : null;
    }
}
