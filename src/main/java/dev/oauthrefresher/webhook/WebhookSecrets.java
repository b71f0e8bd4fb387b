package dev.oauthrefresher.webhook;

import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.WebhookSecret;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Endpoints' signing secrets, read from the token store and kept in memory per secret version, so a busy endpoint
 * costs one token-store read per rotation instead of one per delivery. A rotation on any replica bumps the
 * version in the database, which every claim reads, so no replica signs with a stale secret after it; the
 * bounded age is a second guard.
 */
@ApplicationScoped
class WebhookSecrets {

    private static final Duration MAX_AGE = Duration.ofMinutes(10);

    private record Cached(int version, WebhookSecret secret, Instant loadedAt) {
    }

    private final TokenStore store;
    private final Map<UUID, Cached> cache = new ConcurrentHashMap<>();

    WebhookSecrets(TokenStore store) {
        this.store = store;
    }

    Uni<WebhookSecret> forDelivery(ClaimedDelivery delivery) {
        Cached cached = cache.get(delivery.endpointId());
        Instant now = Instant.now();
        if (cached != null && cached.version() == delivery.secretVersion() && cached.loadedAt().plus(MAX_AGE).isAfter(now)) {
            return Uni.createFrom().item(cached.secret());
        }
        return store.loadWebhookSecret(delivery.secretName()).map(found -> {
            WebhookSecret secret = found.orElseThrow(() -> new IllegalStateException(
                    "No signing secret stored for webhook endpoint " + delivery.endpointId()));
            cache.put(delivery.endpointId(), new Cached(delivery.secretVersion(), secret, now));
            return secret;
        });
    }

    void forget(UUID endpointId) {
        cache.remove(endpointId);
    }
}
