package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.refresh.ClaimedIntegration;
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

/**
 * The rows a run has claimed and not started, by tenant, handed out round-robin over tenants: a tenant with
 * thousands of queued rows takes a turn like one with ten.
 *
 * <p><b>Fair, and work-conserving.</b> A tenant's own cap ({@code maxConcurrency} on its row) is hard: it is
 * never exceeded. The default cap ({@code per-tenant-concurrency}) bounds a tenant only while someone else is
 * waiting; a tenant with nobody else waiting may take every free slot up to the run's {@code concurrency}.
 * "Nobody else waiting" means both of:
 * <ul>
 * <li>no other tenant has queued rows it could start: every other queued tenant is at its own hard cap;</li>
 * <li>no other tenant's due rows are known to be unclaimed: since the run's last claim that came back short of
 *     its limit (everything due outside the tenants it left out was taken), no claim brought in a tenant that
 *     was not then queued or running. Until such a claim, the database may hold other tenants' rows, less
 *     urgent than the queued ones, that the next claim (which leaves saturated tenants out) will find.</li>
 * </ul>
 * Rows of other tenants that come due later are claimed in urgency order; once one is queued, the default cap
 * applies again to what starts next, and the rows a tenant started beyond it simply finish.
 *
 * <p>Not thread-safe: it belongs to one {@link RefreshRun} and is touched only on that run's serial context.
 */
final class TenantQueue {

    /** A tenant is saturated once this many waves of what it may run are queued: claims leave it out. */
    static final int SATURATION_WAVES = 4;

    private final RunContext.Capacity capacity;
    private final Map<String, Deque<ClaimedIntegration>> byTenant = new LinkedHashMap<>();
    private final Deque<String> rotation = new ArrayDeque<>();
    private final Map<String, Integer> running = new HashMap<>();
    /** The only tenants known to have work in this run, or null while other tenants' rows may be unclaimed. */
    private Set<String> onlyTenantsWithWork;
    private int size;

    TenantQueue(RunContext.Capacity capacity) {
        this.capacity = capacity;
    }

    void offer(List<ClaimedIntegration> rows) {
        for (ClaimedIntegration row : rows) {
            if (onlyTenantsWithWork != null && !onlyTenantsWithWork.contains(row.tenantId())) {
                onlyTenantsWithWork = null;
            }
            byTenant.computeIfAbsent(row.tenantId(), t -> {
                rotation.addLast(t);
                return new ArrayDeque<>();
            }).addLast(row);
        }
        size += rows.size();
    }

    /**
     * A claim came back short of its limit: no tenant but the queued and running ones has rows due now, until a
     * later claim brings in another.
     */
    void nothingElseDue() {
        onlyTenantsWithWork = new HashSet<>(byTenant.keySet());
        onlyTenantsWithWork.addAll(running.keySet());
    }

    /**
     * The next row to start: from the next tenant in turn below its cap, else from the tenant with nobody else
     * waiting, past its default cap; empty if neither exists. The row counts as running for its tenant until
     * {@link #finished}. The caller bounds the run's total.
     */
    Optional<ClaimedIntegration> next() {
        for (int passed = 0, tenants = rotation.size(); passed < tenants; passed++) {
            String tenant = rotation.pollFirst();
            rotation.addLast(tenant);
            if (runningOf(tenant) < capacity.capOf(tenant)) {
                return Optional.of(start(tenant));
            }
        }
        return aloneWithWork().map(this::start);
    }

    private ClaimedIntegration start(String tenant) {
        Deque<ClaimedIntegration> queue = byTenant.get(tenant);
        ClaimedIntegration row = queue.pollFirst();
        if (queue.isEmpty()) {
            byTenant.remove(tenant);
            rotation.removeLastOccurrence(tenant);
        }
        running.merge(tenant, 1, Integer::sum);
        size--;
        return row;
    }

    /**
     * The tenant whose default cap yields to the free slots: other tenants' rows are not known to be unclaimed,
     * and it is the only queued tenant not held back by a hard cap of its own (see the class).
     */
    private Optional<String> aloneWithWork() {
        if (onlyTenantsWithWork == null) {
            return Optional.empty();
        }
        String alone = null;
        for (String tenant : byTenant.keySet()) {
            boolean heldByOwnCap = capacity.hasOwnCap(tenant) && runningOf(tenant) >= capacity.capOf(tenant);
            if (!heldByOwnCap) {
                if (alone != null) {
                    return Optional.empty();
                }
                alone = tenant;
            }
        }
        return alone == null || capacity.hasOwnCap(alone) ? Optional.empty() : Optional.of(alone);
    }

    private int runningOf(String tenant) {
        return running.getOrDefault(tenant, 0);
    }

    /** A row handed out by {@link #next} is no longer running: its tenant may start another. */
    void finished(ClaimedIntegration row) {
        running.merge(row.tenantId(), -1, (a, b) -> a + b == 0 ? null : a + b);
    }

    /**
     * Tenants with a full queue, {@value #SATURATION_WAVES} waves of what they may run (their cap, or the whole
     * concurrency when nobody else is waiting): the next claim leaves them out.
     */
    Set<String> saturated() {
        Set<String> saturated = new HashSet<>();
        Optional<String> alone = aloneWithWork();
        byTenant.forEach((tenant, queue) -> {
            int mayRun = alone.filter(tenant::equals).isPresent() ? capacity.concurrency() : capacity.capOf(tenant);
            if (queue.size() >= SATURATION_WAVES * mayRun) {
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
