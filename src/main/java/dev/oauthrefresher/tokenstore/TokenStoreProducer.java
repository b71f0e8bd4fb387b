package dev.oauthrefresher.tokenstore;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.jboss.logging.Logger;

/** Chooses the token store named by {@code refresher.token-store.kind}. */
public class TokenStoreProducer {

    private static final Logger LOG = Logger.getLogger(TokenStoreProducer.class);

    @Produces
    @ApplicationScoped
    TokenStore tokenStore(TokenStoreConfig config) {
        return switch (config.kind()) {
            case MEMORY -> {
                LOG.warn("Token store is in mock mode (memory): tokens are lost when this process stops.");
                yield new InMemoryTokenStore(config.memory().latency());
            }
            case KEY_VAULT -> throw new IllegalStateException(
                    "refresher.token-store.kind=key-vault is not available in this build");
        };
    }
}
