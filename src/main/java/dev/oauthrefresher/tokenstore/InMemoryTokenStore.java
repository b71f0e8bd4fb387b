package dev.oauthrefresher.tokenstore;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mock mode: tokens in a map of this process, for local runs and benchmarks. Nothing survives a restart. Vault
 * names are ignored: a row still records one, but every name reaches this one map.
 */
public class InMemoryTokenStore implements TokenStore {

    private final Map<String, Versioned> entries = new ConcurrentHashMap<>();
    private final Map<String, WebhookSecret> webhookSecrets = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();
    private final Duration latency;

    public InMemoryTokenStore(Duration latency) {
        this.latency = latency;
    }

    @Override
    public Duration worstCase() {
        return latency;
    }

    @Override
    public Uni<Optional<Versioned>> load(SecretRef secret) {
        return delayed(Uni.createFrom().item(() -> Optional.ofNullable(entries.get(secret.secretName()))));
    }

    @Override
    public Uni<String> save(SecretRef secret, TokenSet tokens) {
        return delayed(Uni.createFrom().item(() -> {
            String version = Long.toString(versions.incrementAndGet());
            entries.put(secret.secretName(), new Versioned(tokens, version));
            return version;
        }));
    }

    /** Every name something is stored under: mock mode keeps all of it in view, e.g. to check for orphans. */
    public Set<String> secretNames() {
        return Set.copyOf(entries.keySet());
    }

    @Override
    public Uni<Void> delete(SecretRef secret) {
        return delayed(Uni.createFrom().item(() -> entries.remove(secret.secretName()))).replaceWithVoid();
    }

    @Override
    public Uni<Optional<WebhookSecret>> loadWebhookSecret(String secretName) {
        return delayed(Uni.createFrom().item(() -> Optional.ofNullable(webhookSecrets.get(secretName))));
    }

    @Override
    public Uni<Void> saveWebhookSecret(String secretName, WebhookSecret secret) {
        return delayed(Uni.createFrom().item(() -> webhookSecrets.put(secretName, secret)).replaceWithVoid());
    }

    @Override
    public Uni<Void> deleteWebhookSecret(String secretName) {
        return delayed(Uni.createFrom().item(() -> webhookSecrets.remove(secretName)).replaceWithVoid());
    }

    @Override
    public Uni<Void> ping() {
        return Uni.createFrom().voidItem();
    }

    private <T> Uni<T> delayed(Uni<T> operation) {
        if (latency.isZero()) {
            return operation;
        }
        return Uni.createFrom().voidItem().onItem().delayIt().by(latency).chain(() -> operation);
    }
}
