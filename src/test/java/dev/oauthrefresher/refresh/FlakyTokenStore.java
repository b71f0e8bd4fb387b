package dev.oauthrefresher.refresh;

import dev.oauthrefresher.tokenstore.InMemoryTokenStore;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.WebhookSecret;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory store with writes that fail at random: the one fault (a token store refusing a write right
 * after the provider rotated a token) that no real local server can produce on demand. Enabled only by
 * {@link FlakyTokenStoreProfile}.
 */
@Alternative
@ApplicationScoped
public class FlakyTokenStore implements TokenStore {

    static volatile double failureRate;
    static final AtomicInteger FAILED_WRITES = new AtomicInteger();

    private final InMemoryTokenStore delegate = new InMemoryTokenStore(Duration.ZERO);

    @Override
    public Uni<Optional<Versioned>> load(String secretName) {
        return delegate.load(secretName);
    }

    @Override
    public Uni<String> save(String secretName, TokenSet tokens) {
        return Uni.createFrom().deferred(() -> {
            if (ThreadLocalRandom.current().nextDouble() < failureRate) {
                FAILED_WRITES.incrementAndGet();
                return Uni.createFrom().failure(new TokenStoreException("injected write failure for " + secretName, true, null));
            }
            return delegate.save(secretName, tokens);
        });
    }

    @Override
    public Uni<Void> delete(String secretName) {
        return delegate.delete(secretName);
    }

    @Override
    public Uni<Optional<WebhookSecret>> loadWebhookSecret(String secretName) {
        return delegate.loadWebhookSecret(secretName);
    }

    @Override
    public Uni<Void> saveWebhookSecret(String secretName, WebhookSecret secret) {
        return delegate.saveWebhookSecret(secretName, secret);
    }

    @Override
    public Uni<Void> deleteWebhookSecret(String secretName) {
        return delegate.deleteWebhookSecret(secretName);
    }

    @Override
    public Uni<Void> ping() {
        return delegate.ping();
    }
}
