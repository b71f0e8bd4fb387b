package dev.oauthrefresher.tokenstore;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Mock mode: tokens in a map of this process, for local runs and benchmarks. Nothing survives a restart. */
public class InMemoryTokenStore implements TokenStore {

    private final Map<String, Versioned> entries = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();
    private final Duration latency;

    public InMemoryTokenStore(Duration latency) {
        this.latency = latency;
    }

    @Override
    public Uni<Optional<Versioned>> load(String secretName) {
        return delayed(Uni.createFrom().item(() -> Optional.ofNullable(entries.get(secretName))));
    }

    @Override
    public Uni<String> save(String secretName, TokenSet tokens) {
        return delayed(Uni.createFrom().item(() -> {
            String version = Long.toString(versions.incrementAndGet());
            entries.put(secretName, new Versioned(tokens, version));
            return version;
        }));
    }

    /** Every name something is stored under: mock mode keeps all of it in view, e.g. to check for orphans. */
    public Set<String> secretNames() {
        return Set.copyOf(entries.keySet());
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
