package dev.oauthrefresher.testsupport;

import dev.oauthrefresher.tokenstore.InMemoryTokenStore;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.WebhookSecret;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory store with writes that fail on a fixed schedule: the one fault (a token store refusing a write
 * right after the provider rotated a token) that no real local server can produce on demand. Each secret's
 * writes are numbered from the moment a schedule is set, so which write fails does not depend on how the
 * run interleaves its rows. It also counts each secret's loads and saves, which is what a refresh costs a vault.
 * Enabled only by {@link FlakyTokenStoreProfile}.
 */
@Alternative
@ApplicationScoped
public class FlakyTokenStore implements TokenStore {

    /** Write {@code n} of a secret (from 0) fails if {@code n % cycle} is one of {@code failing}. */
    public record Schedule(int cycle, Set<Integer> failing) {
        public static final Schedule NEVER = new Schedule(1, Set.of());

        boolean fails(int write) {
            return failing.contains(write % cycle);
        }
    }

    public static final AtomicInteger FAILED_WRITES = new AtomicInteger();
    private static final Map<String, AtomicInteger> WRITES = new ConcurrentHashMap<>();
    private static volatile Schedule schedule = Schedule.NEVER;
    private static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> SAVES = new ConcurrentHashMap<>();

    private final InMemoryTokenStore delegate = new InMemoryTokenStore(Duration.ZERO);

    /** Fails writes on {@code next} from now on, counting every secret's writes afresh. */
    public static void failOn(Schedule next) {
        WRITES.clear();
        schedule = next;
    }

    /** Loads asked of {@code secretName} since the start, failed or not. */
    public static int loads(String secretName) {
        return LOADS.getOrDefault(secretName, new AtomicInteger()).get();
    }

    /** Saves asked of {@code secretName} since the start, failed or not. */
    public static int saves(String secretName) {
        return SAVES.getOrDefault(secretName, new AtomicInteger()).get();
    }

    @Override
    public Uni<Optional<Versioned>> load(SecretRef secret) {
        return Uni.createFrom().deferred(() -> {
            LOADS.computeIfAbsent(secret.secretName(), name -> new AtomicInteger()).incrementAndGet();
            return delegate.load(secret);
        });
    }

    @Override
    public Uni<String> save(SecretRef secret, TokenSet tokens) {
        String secretName = secret.secretName();
        return Uni.createFrom().deferred(() -> {
            SAVES.computeIfAbsent(secretName, name -> new AtomicInteger()).incrementAndGet();
            int write = WRITES.computeIfAbsent(secretName, name -> new AtomicInteger()).getAndIncrement();
            if (schedule.fails(write)) {
                FAILED_WRITES.incrementAndGet();
                return Uni.createFrom().failure(new TokenStoreException("injected write failure for " + secretName, true, null));
            }
            return delegate.save(secret, tokens);
        });
    }

    @Override
    public Uni<Void> delete(SecretRef secret) {
        return delegate.delete(secret);
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
