package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.lease.DueQuery;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.RunCircuits;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One run's identity and bounds, handed whole to every step instead of loose parameters: its id (also
 * {@code trigger_run.id} and {@code refresh_attempt.run_id}), the lease owner it claims as, its circuits, what
 * it claims, when it stops taking work, how many rows it may claim, and how much it may do at once.
 */
record RunContext(UUID runId, String owner, RunCircuits circuits, DueQuery query, Instant deadline, int limit,
        Capacity capacity) {

    /**
     * How much a run does at once: refreshes in flight (and outcomes waiting for their write), rows per claim,
     * and each tenant's cap: its own ({@code tenantCaps}, hard), else the default
     * {@code perTenant}, which {@link TenantQueue} lets a tenant exceed while nobody else is waiting.
     */
    record Capacity(int concurrency, int batchSize, int perTenant, Map<String, Integer> tenantCaps) {

        Capacity {
            tenantCaps = Map.copyOf(tenantCaps);
        }

        static Capacity of(RefreshConfig config, Map<String, Integer> tenantCaps) {
            return new Capacity(config.concurrency(), config.batchSize(), config.perTenantConcurrency(),
                    tenantCaps);
        }

        int capOf(String tenant) {
            return tenantCaps.getOrDefault(tenant, perTenant);
        }

        /** Whether the tenant sets its own cap: a hard one, unlike the default that yields to free slots. */
        boolean hasOwnCap(String tenant) {
            return tenantCaps.containsKey(tenant);
        }
    }
}
