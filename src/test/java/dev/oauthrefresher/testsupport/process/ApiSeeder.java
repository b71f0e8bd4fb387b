package dev.oauthrefresher.testsupport.process;

import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Registers tenants and integrations through the admin API, a few calls at a time: the tokens must reach the
 * service's own token store, and the admin API is the only way in. Every integration gets a live grant at the
 * fake provider.
 */
public final class ApiSeeder {

    /** A registered integration, its tenant, and the fake provider's name for its grant. */
    public record Seeded(UUID id, String tenant, String grant) {
    }

    private ApiSeeder() {
    }

    /**
     * {@code integrations} integrations spread evenly over {@code tenants} tenants named {@code prefix-<n>}, all
     * with access tokens expiring at {@code expiresAt}, registered by {@code threads} parallel callers.
     */
    public static List<Seeded> seed(ServiceClient client, FakeTokenEndpoint provider, String group, String prefix,
            int tenants, int integrations, Instant expiresAt, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<String> tenantIds = new ArrayList<>();
            List<Future<?>> created = new ArrayList<>();
            for (int t = 0; t < tenants; t++) {
                String tenant = prefix + "-" + t;
                tenantIds.add(tenant);
                created.add(pool.submit(() -> client.createTenant(tenant)));
            }
            awaitAll(created);
            List<Future<Seeded>> registered = new ArrayList<>();
            for (int i = 0; i < integrations; i++) {
                String tenant = tenantIds.get(i % tenants);
                String grant = tenant + "-" + i;
                registered.add(pool.submit(() -> new Seeded(client.registerIntegration(tenant, "oauth2", group,
                        grant + "@example.com", "at-seed-" + UUID.randomUUID(), provider.newGrant(grant), expiresAt),
                        tenant, grant)));
            }
            return awaitAll(registered);
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T> List<T> awaitAll(List<? extends Future<? extends T>> futures) {
        List<T> results = new ArrayList<>();
        try {
            for (Future<? extends T> f : futures) {
                results.add(f.get());
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Seeding through the admin API failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return results;
    }
}
