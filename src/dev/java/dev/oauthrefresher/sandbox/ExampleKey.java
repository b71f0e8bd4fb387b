package dev.oauthrefresher.sandbox;

import dev.oauthrefresher.access.ApiKeyDtos.ApiKeyView;
import dev.oauthrefresher.access.ApiKeyDtos.CreateApiKey;
import dev.oauthrefresher.access.ApiKeyService;
import dev.oauthrefresher.common.Secret;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/**
 * The demo tenant's example API key with every scope, shown in dev mode's Swagger UI ({@link ExampleKeyOpenApiFilter})
 * so the tenant API can be tried from there. Only a key's hash is stored, so each start revokes the previous
 * example key and issues a new one.
 */
@ApplicationScoped
@IfBuildProperty(name = "refresher.sandbox.enabled", stringValue = "true")
public class ExampleKey {

    static final String NAME = "Swagger UI example (dev mode)";
    private static final List<String> EVERY_SCOPE = List.of("integrations:read", "integrations:write", "tokens:read",
            "webhooks:write");

    private final ApiKeyService keys;
    private volatile Secret key;

    ExampleKey(ApiKeyService keys) {
        this.keys = keys;
    }

    void issue(String tenant) {
        keys.list(tenant).items().stream()
                .filter(k -> NAME.equals(k.name()) && k.revokedAt() == null)
                .map(ApiKeyView::id)
                .forEach(id -> keys.revoke(tenant, id));
        key = Secret.of(keys.create(tenant, new CreateApiKey(NAME, EVERY_SCOPE)).key());
    }

    /** The key, once the demo tenant is seeded. */
    public Optional<Secret> key() {
        return Optional.ofNullable(key);
    }
}
