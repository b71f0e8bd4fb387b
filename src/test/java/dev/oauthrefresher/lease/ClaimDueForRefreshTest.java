package dev.oauthrefresher.lease;

import dev.oauthrefresher.integration.Integration;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The claim query against a realistically large table: index use, and disjoint claims under concurrency. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClaimDueForRefreshTest {

    static final int TOTAL = 100_000;
    static final String BIG = "claim-big";
    static final String PAUSED = "claim-paused";

    @Inject
    LeaseRepository repository;

    @Inject
    EntityManager em;

    Instant now;
    int dueInBig;

    @BeforeAll
    void seed() {
        now = Instant.now();
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("INSERT INTO tenant (id, display_name) VALUES (:a, 'big'), (:b, 'paused')")
                    .setParameter("a", BIG).setParameter("b", PAUSED).executeUpdate();
            em.createNativeQuery("UPDATE tenant SET refresh_paused = true WHERE id = :b").setParameter("b", PAUSED).executeUpdate();
            // Every 100th row expires within the lead time, every 250th is idle past the keep-alive age,
            // every 1000th is expired (not active); everything else expires in hours.
            em.createNativeQuery("""
                    INSERT INTO integration (id, tenant_id, provider, provider_group, external_account, status,
                                             access_token_expires_at, last_refreshed_at, secret_name)
                    SELECT gen_random_uuid(), :tenant, 'google', 'google-default', 'user' || g || '@example.com',
                           CASE WHEN g % 1000 = 0 THEN 'expired' ELSE 'active' END,
                           CASE WHEN g % 100 = 0 THEN CAST(:now AS timestamptz) + (g % 600) * interval '1 second'
                                ELSE CAST(:now AS timestamptz) + interval '2 hours' + (g % 3600) * interval '1 second' END,
                           CASE WHEN g % 250 = 0 THEN CAST(:now AS timestamptz) - interval '8 days'
                                ELSE CAST(:now AS timestamptz) - interval '10 minutes' END,
                           'integration-seed-' || g
                      FROM generate_series(1, :total) g
                    """).setParameter("tenant", BIG).setParameter("now", now).setParameter("total", TOTAL)
                    .executeUpdate();
            em.createNativeQuery("""
                    INSERT INTO integration (id, tenant_id, provider, provider_group, external_account, status,
                                             access_token_expires_at, last_refreshed_at, secret_name)
                    SELECT gen_random_uuid(), :tenant, 'google', 'google-default', 'p' || g, 'active',
                           CAST(:now AS timestamptz), CAST(:now AS timestamptz), 'integration-paused-' || g
                      FROM generate_series(1, 50) g
                    """).setParameter("tenant", PAUSED).setParameter("now", now).executeUpdate();
        });
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("ANALYZE integration").executeUpdate());
        // due: g % 100 == 0 or g % 250 == 0, minus the expired ones (g % 1000 == 0)
        dueInBig = (int) java.util.stream.IntStream.rangeClosed(1, TOTAL)
                .filter(g -> (g % 100 == 0 || g % 250 == 0) && g % 1000 != 0).count();
    }

    @AfterAll
    void cleanUp() {
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("DELETE FROM integration WHERE tenant_id IN (:a, :b)").setParameter("a", BIG)
                    .setParameter("b", PAUSED).executeUpdate();
            em.createNativeQuery("DELETE FROM tenant WHERE id IN (:a, :b)").setParameter("a", BIG)
                    .setParameter("b", PAUSED).executeUpdate();
        });
    }

    DueQuery due(Optional<String> tenant, int limit) {
        return new DueQuery(now, Duration.ofMinutes(15), Duration.ofDays(7), tenant, Optional.empty(), Optional.empty(), limit);
    }

    @Test
    void shouldPlanTheClaimAsAnIndexScanOverActiveRowsAndUpdateTheLockedRowsByTid() {
        DueQuery query = due(Optional.empty(), 500);
        String plan = QuarkusTransaction.requiringNew().call(() -> {
            jakarta.persistence.Query q = em.createNativeQuery("EXPLAIN " + LeaseRepository.claimSql(query));
            LeaseRepository.bindDue(q, query);
            q.setParameter("owner", "explain");
            q.setParameter("leaseUntil", now.plusSeconds(300));
            @SuppressWarnings("unchecked")
            List<Object> lines = q.getResultList();
            return lines.stream().map(Object::toString).collect(Collectors.joining("\n"));
        });
        assertThat(plan)
                .contains("integration_due_by_expiry_idx")
                .contains("integration_due_by_idle_idx")
                // the locked rows are updated where they lie, without a primary-key descent per row
                .contains("Tid Scan on integration")
                .doesNotContain("Seq Scan on integration");
    }

    @Test
    void shouldHandOutDisjointBatchesToConcurrentClaimersAndSkipPausedTenants() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<List<UUID>> claimer = () -> {
                String owner = "claimer-" + UUID.randomUUID();
                List<UUID> mine = new ArrayList<>();
                while (true) {
                    List<UUID> batch = QuarkusTransaction.requiringNew().call(() -> repository
                            .claimDue(due(Optional.empty(), 37), owner, now.plusSeconds(300))
                            .stream().map(Integration::id).toList());
                    if (batch.isEmpty()) {
                        return mine;
                    }
                    mine.addAll(batch);
                }
            };
            Future<List<UUID>> a = pool.submit(claimer);
            Future<List<UUID>> b = pool.submit(claimer);
            List<UUID> first = a.get();
            List<UUID> second = b.get();

            Set<UUID> overlap = new HashSet<>(first);
            overlap.retainAll(second);
            assertThat(overlap).as("rows claimed by both claimers").isEmpty();
            assertThat(first).isNotEmpty();
            assertThat(second).isNotEmpty();
            assertThat(first.size() + second.size()).isEqualTo(dueInBig);
            long pausedClaimed = QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                    "SELECT count(*) FROM integration WHERE tenant_id = :t AND lease_owner IS NOT NULL")
                    .setParameter("t", PAUSED).getSingleResult()).longValue());
            assertThat(pausedClaimed).isZero();
        } finally {
            pool.shutdownNow();
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                    "UPDATE integration SET lease_owner = NULL, lease_expires_at = NULL WHERE tenant_id = :t")
                    .setParameter("t", BIG).executeUpdate());
        }
    }

    @Test
    void shouldMakeALapsedLeaseClaimableAgain() {
        String tenant = "claim-lease";
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("INSERT INTO tenant (id, display_name) VALUES (:t, 'lease')").setParameter("t", tenant).executeUpdate();
            em.createNativeQuery("""
                    INSERT INTO integration (id, tenant_id, provider, provider_group, external_account, status,
                                             access_token_expires_at, last_refreshed_at, secret_name)
                    VALUES (gen_random_uuid(), :t, 'google', 'g', 'a@example.com', 'active', CAST(:now AS timestamptz),
                            CAST(:now AS timestamptz), 'integration-lease-1')
                    """).setParameter("t", tenant).setParameter("now", now).executeUpdate();
        });
        DueQuery query = due(Optional.of(tenant), 10);
        List<Integration> crashed = QuarkusTransaction.requiringNew().call(
                () -> repository.claimDue(query, "crashed-owner", now.plusSeconds(60)));
        List<Integration> whileLeased = QuarkusTransaction.requiringNew().call(
                () -> repository.claimDue(query, "other-owner", now.plusSeconds(60)));
        DueQuery later = new DueQuery(now.plusSeconds(61), query.leadTime(), query.keepAliveAge(), query.tenant(),
                Optional.empty(), Optional.empty(), 10);
        List<Integration> afterLapse = QuarkusTransaction.requiringNew().call(
                () -> repository.claimDue(later, "other-owner", now.plusSeconds(120)));

        assertThat(crashed).hasSize(1);
        assertThat(whileLeased).isEmpty();
        assertThat(afterLapse).extracting(Integration::id).containsExactly(crashed.get(0).id());
        assertThat(afterLapse.get(0).leaseOwner()).isEqualTo("other-owner");
    }
    @Test
    void shouldLeaveOutTheExcludedVaultsCountingARowWithoutAVaultAsDefault() {
        String tenant = "claim-vaults";
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("INSERT INTO tenant (id, display_name) VALUES (:t, 'vaults')").setParameter("t", tenant).executeUpdate();
            em.createNativeQuery("""
                    INSERT INTO integration (id, tenant_id, provider, provider_group, external_account, status,
                                             access_token_expires_at, last_refreshed_at, secret_name, vault)
                    SELECT gen_random_uuid(), :t, 'google', 'g', 'v' || g || '@example.com', 'active',
                           CAST(:now AS timestamptz), CAST(:now AS timestamptz), 'integration-vault-' || g,
                           CASE g WHEN 1 THEN NULL WHEN 2 THEN 'default' ELSE 'shard-2' END
                      FROM generate_series(1, 3) g
                    """).setParameter("t", tenant).setParameter("now", now).executeUpdate();
        });

        List<Integration> outsideDefault = QuarkusTransaction.requiringNew().call(() -> repository.claimDue(
                due(Optional.of(tenant), 10).excludingVaults(Set.of("default")), "owner", now.plusSeconds(60)));
        List<Integration> outsideShard = QuarkusTransaction.requiringNew().call(() -> repository.claimDue(
                due(Optional.of(tenant), 10).excludingVaults(Set.of("shard-2")), "owner", now.plusSeconds(60)));

        assertThat(outsideDefault).extracting(Integration::vault).containsExactly("shard-2");
        assertThat(outsideShard).extracting(Integration::vault).containsExactly("default", "default");
    }
}
