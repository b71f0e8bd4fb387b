package dev.oauthrefresher.refresh;

import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.integration.DueQuery;
import dev.oauthrefresher.integration.IntegrationStatus;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * One run of the refresh pipeline: claims due rows in batches and keeps up to {@code concurrency} refreshes
 * in flight, dispatching tenants round-robin under each tenant's cap so a tenant with thousands of due rows
 * cannot starve one with ten. Claims skip tenants that already have a full queue, so the small tenants' rows
 * are claimed early too. Work not started by the deadline is released and stays due for the next run.
 *
 * <p>All state is guarded by {@code this}; refreshes run as non-blocking {@link Uni}s, claims and releases on
 * worker threads.
 */
final class RefreshRun {

    private static final Logger LOG = Logger.getLogger(RefreshRun.class);

    /** What a run needs from outside: blocking database calls it runs on worker threads, and the refresh itself. */
    interface Steps {
        List<ClaimedIntegration> claim(DueQuery query, String owner, Instant leaseUntil);

        void release(List<UUID> ids, String owner);

        long countDue(DueQuery query);

        /** Whether {@code row}'s lease still covers the worst case of one refresh; if not it is released unstarted. */
        boolean mayStart(ClaimedIntegration row);

        Uni<Outcome> refresh(ClaimedIntegration row, RunCircuits circuits, String owner, UUID runId);

        Uni<OutcomeWriter.Written> write(ClaimedIntegration row, String owner, UUID runId, Outcome outcome,
                Instant startedAt, Instant finishedAt);
    }

    private final UUID runId;
    private final String owner;
    private final DueQuery baseQuery;
    private final Instant deadline;
    private final int limit;
    private final RefreshConfig config;
    private final Map<String, Integer> tenantCaps;
    private final Steps steps;
    private final RunCircuits circuits;
    private final Executor blocking = Infrastructure.getDefaultWorkerPool();
    private final CompletableFuture<TaskResult> done = new CompletableFuture<>();

    private final Map<String, Deque<ClaimedIntegration>> queues = new LinkedHashMap<>();
    private final Deque<String> rotation = new ArrayDeque<>();
    private final Map<String, Integer> inFlightByTenant = new HashMap<>();
    private int inFlight;
    private int writing;
    private int buffered;
    private int claimed;
    private boolean claiming;
    private boolean exhausted;
    private boolean stopped;
    private boolean stopRequested;
    private boolean finishing;
    private Set<String> emptyClaimExcluding;
    private RuntimeException claimFailure;

    private int refreshed;
    private int expired;
    private int errored;
    private int deferred;
    private int skipped;
    private int transientFailures;
    private int tokenStoreFailures;
    private int rotationsPending;
    private int lostLeases;
    private int writeFailures;

    RefreshRun(UUID runId, String owner, DueQuery baseQuery, Instant deadline, int limit, RefreshConfig config,
            Map<String, Integer> tenantCaps, Steps steps) {
        this.runId = runId;
        this.owner = owner;
        this.baseQuery = baseQuery;
        this.deadline = deadline;
        this.limit = limit;
        this.config = config;
        this.tenantCaps = tenantCaps;
        this.steps = steps;
        this.circuits = new RunCircuits(config.providerCircuit());
    }

    Uni<TaskResult> start() {
        // Nothing may be in flight when the deadline passes: make sure the run wakes up then.
        Uni.createFrom().voidItem().onItem().delayIt().by(java.time.Duration.between(Instant.now(), deadline))
                .subscribe().with(ignored -> pump());
        pump();
        return Uni.createFrom().completionStage(done);
    }

    /**
     * Stops taking work now, as if the deadline had passed (a graceful shutdown): unstarted rows are released,
     * refreshes in flight finish and are recorded.
     */
    void stopTakingWork() {
        synchronized (this) {
            stopRequested = true;
        }
        pump();
    }

    /** Decides what to do next under the lock, then does it outside, so callbacks never nest inside it. */
    private void pump() {
        List<Runnable> actions = new ArrayList<>();
        synchronized (this) {
            if (!stopped && (stopRequested || !Instant.now().isBefore(deadline))) {
                stopped = true;
                List<UUID> unstarted = drainQueues();
                skipped += unstarted.size();
                if (!unstarted.isEmpty()) {
                    actions.add(() -> runBlocking(() -> {
                        steps.release(unstarted, owner);
                        return Boolean.TRUE;
                    }, r -> null));
                }
            }
            if (!stopped) {
                dispatch(actions);
                if (wantsMoreWork()) {
                    claiming = true;
                    DueQuery query = baseQuery.at(Instant.now())
                            .withLimit(Math.min(config.batchSize(), limit - claimed), saturatedTenants());
                    actions.add(() -> claim(query));
                }
            }
            // A run that reached its limit claims no more: it is done once its last row settles, not at the deadline.
            if (!finishing && inFlight == 0 && writing == 0 && !claiming && buffered == 0
                    && (stopped || exhausted || claimed >= limit)) {
                finishing = true;
                actions.add(this::finish);
            }
        }
        actions.forEach(Runnable::run);
    }

    private void dispatch(List<Runnable> actions) {
        int passWithoutStart = 0;
        List<UUID> leaseTooShort = new ArrayList<>();
        // Outcomes waiting for their write count too, so a slow database slows the run down instead of piling up.
        while (inFlight < config.concurrency() && writing < config.concurrency() && !rotation.isEmpty()
                && passWithoutStart < rotation.size()) {
            String tenant = rotation.pollFirst();
            Deque<ClaimedIntegration> queue = queues.get(tenant);
            int running = inFlightByTenant.getOrDefault(tenant, 0);
            if (running < capOf(tenant)) {
                ClaimedIntegration row = queue.pollFirst();
                buffered--;
                if (steps.mayStart(row)) {
                    inFlight++;
                    inFlightByTenant.put(tenant, running + 1);
                    actions.add(() -> refresh(row));
                } else {
                    leaseTooShort.add(row.id());
                    skipped++;
                }
                passWithoutStart = 0;
            } else {
                passWithoutStart++;
            }
            if (queue.isEmpty()) {
                queues.remove(tenant);
            } else {
                rotation.addLast(tenant);
            }
        }
        if (!leaseTooShort.isEmpty()) {
            actions.add(() -> blocking.execute(() -> steps.release(leaseTooShort, owner)));
        }
    }

    private boolean wantsMoreWork() {
        if (claiming || exhausted || claimed >= limit) {
            return false;
        }
        // Claim while slots are free that the queued rows cannot fill (their tenants are at their cap) or
        // while the queue runs low; saturated tenants are left out of the claim, which bounds the queue.
        boolean needed = inFlight < config.concurrency() || buffered < config.concurrency();
        // The last claim found nothing outside the saturated tenants: wait until one of them drains.
        return needed && (emptyClaimExcluding == null || !saturatedTenants().containsAll(emptyClaimExcluding));
    }

    /** Tenants with a full queue (four waves of their cap); claims leave them out so others get a turn. */
    private Set<String> saturatedTenants() {
        Set<String> saturated = new HashSet<>();
        queues.forEach((tenant, queue) -> {
            if (queue.size() >= 4 * capOf(tenant)) {
                saturated.add(tenant);
            }
        });
        return saturated;
    }

    private int capOf(String tenant) {
        return tenantCaps.getOrDefault(tenant, config.perTenantConcurrency());
    }

    private void claim(DueQuery query) {
        runBlocking(() -> {
            try {
                return steps.claim(query, owner, Instant.now().plus(config.lease()));
            } catch (RuntimeException e) {
                synchronized (this) {
                    claimFailure = e;
                }
                throw e;
            }
        }, rows -> {
            synchronized (this) {
                claiming = false;
                if (rows == null) {
                    // The database is unreachable: stop claiming; what was claimed is still finished.
                    exhausted = true;
                    return null;
                }
                claimed += rows.size();
                if (rows.isEmpty()) {
                    if (query.excludedTenants().isEmpty()) {
                        exhausted = true;
                    } else {
                        emptyClaimExcluding = query.excludedTenants();
                    }
                } else {
                    emptyClaimExcluding = null;
                }
                if (rows.size() < query.limit() && query.excludedTenants().isEmpty()) {
                    exhausted = true;
                }
                for (ClaimedIntegration row : rows) {
                    queues.computeIfAbsent(row.tenantId(), t -> {
                        rotation.addLast(t);
                        return new ArrayDeque<>();
                    }).addLast(row);
                }
                buffered += rows.size();
                if (stopped) {
                    List<UUID> late = drainQueues();
                    skipped += late.size();
                    blocking.execute(() -> steps.release(late, owner));
                }
            }
            return null;
        });
    }

    private void refresh(ClaimedIntegration row) {
        Instant started = Instant.now();
        steps.refresh(row, circuits, owner, runId)
                // The slot bounds calls to providers and the token store: it takes the next row while this
                // outcome waits for its (batched) database write.
                .onTermination().invoke(() -> callEnded(row))
                .chain(outcome -> steps.write(row, owner, runId, outcome, started, Instant.now())
                        .map(written -> new Object[] {outcome, written}))
                .subscribe().with(
                        result -> settled((Outcome) result[0], (OutcomeWriter.Written) result[1]),
                        failure -> {
                            synchronized (this) {
                                writeFailures++;
                            }
                            LOG.warnf("Integration %s: outcome not recorded (%s); its lease lapses and it is retried",
                                    row.id(), failure.getClass().getSimpleName());
                            settled(null, null);
                        });
    }

    private void callEnded(ClaimedIntegration row) {
        synchronized (this) {
            inFlight--;
            inFlightByTenant.merge(row.tenantId(), -1, Integer::sum);
            writing++;
        }
        pump();
    }

    private void settled(Outcome outcome, OutcomeWriter.Written written) {
        synchronized (this) {
            writing--;
            if (outcome != null) {
                count(outcome, written);
            }
        }
        pump();
    }

    private void count(Outcome outcome, OutcomeWriter.Written written) {
        if (!written.applied()) {
            lostLeases++;
            return;
        }
        if (outcome instanceof Outcome.Refreshed) {
            refreshed++;
        } else if (outcome instanceof Outcome.Expired) {
            expired++;
        } else if (outcome instanceof Outcome.Errored) {
            errored++;
        } else if (outcome instanceof Outcome.Failed) {
            transientFailures++;
            if (written.status() == IntegrationStatus.ERROR) {
                errored++;
            } else {
                deferred++;
            }
        } else if (outcome instanceof Outcome.Deferred d) {
            deferred++;
            if (d.reason().startsWith("token_store")) {
                tokenStoreFailures++;
            }
        } else if (outcome instanceof Outcome.RotationPending) {
            deferred++;
            tokenStoreFailures++;
            rotationsPending++;
        }
    }

    private List<UUID> drainQueues() {
        List<UUID> ids = new ArrayList<>();
        queues.values().forEach(q -> q.forEach(row -> ids.add(row.id())));
        queues.clear();
        rotation.clear();
        buffered = 0;
        return ids;
    }

    private void finish() {
        synchronized (this) {
            if (claimFailure != null && claimed == 0) {
                done.completeExceptionally(claimFailure);
                return;
            }
        }
        runBlocking(() -> steps.countDue(baseQuery.at(Instant.now())), remaining -> {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("transientFailures", transientFailures);
            details.put("tokenStoreFailures", tokenStoreFailures);
            details.put("rotationsPending", rotationsPending);
            details.put("rejectedProviderGroups", circuits.rejectedGroups());
            details.put("openProviderCircuits", circuits.openProviders());
            details.put("lostLeases", lostLeases);
            details.put("unrecordedOutcomes", writeFailures);
            done.complete(new TaskResult(claimed, refreshed, expired, errored, deferred, skipped,
                    remaining == null ? -1 : remaining, details));
            return null;
        });
    }

    /** Runs {@code work} on a worker thread, then {@code then} with its result (null if it failed), then pumps. */
    private <T> void runBlocking(java.util.function.Supplier<T> work, Function<T, Void> then) {
        blocking.execute(() -> {
            T result = null;
            try {
                result = work.get();
            } catch (RuntimeException e) {
                LOG.warnf("Run %s: database step failed (%s)", runId, e.getClass().getSimpleName());
            }
            then.apply(result);
            if (!done.isDone()) {
                pump();
            }
        });
    }
}
