package dev.oauthrefresher.refresh;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.ToIntFunction;

/**
 * The rows a run has claimed and not started, by tenant, handed out round-robin over tenants and never more
 * at once for a tenant than its cap: a tenant with thousands of queued rows takes a turn like one with ten.
 *
 * <p>Not thread-safe: it belongs to one {@link RefreshRun} and is touched only on that run's serial context.
 */
final class TenantQueue {

    /** A tenant is saturated once this many waves of its cap are queued: claims leave it out until it drains. */
    static final int SATURATION_WAVES = 4;

    private final ToIntFunction<String> capOf;
    private final Map<String, Deque<ClaimedIntegration>> byTenant = new LinkedHashMap<>();
    private final Deque<String> rotation = new ArrayDeque<>();
    private final Map<String, Integer> running = new HashMap<>();
    private int size;

    TenantQueue(ToIntFunction<String> capOf) {
        this.capOf = capOf;
    }

    void offer(List<ClaimedIntegration> rows) {
        for (ClaimedIntegration row : rows) {
            byTenant.computeIfAbsent(row.tenantId(), t -> {
                rotation.addLast(t);
                return new ArrayDeque<>();
            }).addLast(row);
        }
        size += rows.size();
    }

    /**
     * The next row to start, from the next tenant in turn that is below its cap; empty if every queued tenant
     * is at its cap (or nothing is queued). The row counts as running for its tenant until {@link #finished}.
     */
    Optional<ClaimedIntegration> next() {
        for (int passed = 0, tenants = rotation.size(); passed < tenants; passed++) {
            String tenant = rotation.pollFirst();
            Deque<ClaimedIntegration> queue = byTenant.get(tenant);
            int now = running.getOrDefault(tenant, 0);
            boolean mayStart = now < capOf.applyAsInt(tenant);
            ClaimedIntegration row = mayStart ? queue.pollFirst() : null;
            if (queue.isEmpty()) {
                byTenant.remove(tenant);
            } else {
                rotation.addLast(tenant);
            }
            if (row != null) {
                running.put(tenant, now + 1);
                size--;
                return Optional.of(row);
            }
        }
        return Optional.empty();
    }

    /** A row handed out by {@link #next} is no longer running: its tenant may start another. */
    void finished(ClaimedIntegration row) {
        running.merge(row.tenantId(), -1, (a, b) -> a + b == 0 ? null : a + b);
    }

    /** Tenants with a full queue, {@value #SATURATION_WAVES} waves of their cap: the next claim leaves them out. */
    Set<String> saturated() {
        Set<String> saturated = new HashSet<>();
        byTenant.forEach((tenant, queue) -> {
            if (queue.size() >= SATURATION_WAVES * capOf.applyAsInt(tenant)) {
                saturated.add(tenant);
            }
        });
        return saturated;
    }

    /** Empties the queue (rows still running are unaffected) and returns the ids of what was queued. */
    List<UUID> drain() {
        List<UUID> ids = new ArrayList<>(size);
        byTenant.values().forEach(queue -> queue.forEach(row -> ids.add(row.id())));
        byTenant.clear();
        rotation.clear();
        size = 0;
        return ids;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
