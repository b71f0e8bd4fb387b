package dev.oauthrefresher.webhook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.WebhookSecret;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Endpoints' signing secrets, read from the token store and kept in memory per secret version, so a busy endpoint
 * costs one token-store read per rotation instead of one per delivery. A rotation on any replica bumps the
 * version in the database, which every claim reads, so no replica signs with a stale secret after it; the
 * bounded age is a second guard.
 */
@ApplicationScoped
class WebhookSecrets {

    private record Cached(int version, WebhookSecret secret) {
    }

    private final TokenStore store;
    /** One entry per endpoint that delivered lately, gone {@link WebhookConfig#secretCacheAge()} after it was loaded. */
    private final Cache<UUID, Cached> cache;

    WebhookSecrets(TokenStore store, WebhookConfig config) {
        this.store = store;
        this.cache = Caffeine.newBuilder().expireAfterWrite(config.secretCacheAge()).build();
    }

    Uni<WebhookSecret> forDelivery(ClaimedDelivery delivery) {
        Cached cached = cache.getIfPresent(delivery.endpointId());
        if (cached != null && cached.version() == delivery.secretVersion()) {
            return Uni.createFrom().item(cached.secret());
        }
        return store.loadWebhookSecret(delivery.secretName()).map(found -> {
            WebhookSecret secret = found.orElseThrow(() -> new IllegalStateException(
                    "No signing secret stored for webhook endpoint " + delivery.endpointId()));
            cache.put(delivery.endpointId(), new Cached(delivery.secretVersion(), secret));
            return secret;
        });
    }

    void forget(UUID endpointId) {
        cache.invalidate(endpointId);
    }
}
