package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.lease.DueQuery;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.attempt.Outcome;
import dev.oauthrefresher.refresh.attempt.OutcomeWriter;
import dev.oauthrefresher.cron.TaskResult;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * One run of the refresh pipeline: claims due rows in batches into a {@link TenantQueue} and keeps up to
 * {@code concurrency} refreshes in flight from it; counts what happened in a {@link RunTally}. Claims leave
 * out tenants whose queue is already full, so a small tenant's rows are claimed early too, and Key Vaults that have
 * more claimed work than they can serve soon ({@link VaultBacklog}). The run stops
 * taking work at its deadline or on {@link #stopTakingWork()}: rows not started are released (they stay due),
 * refreshes in flight finish and are written. A run that reached its limit ends when its last row settles.
 *
 * <p><b>One owner for the state.</b> Every field below the constructor, the queue and the tally are touched
 * only by tasks of this run's {@link SerialExecutor}: each event (a claim answered on a worker thread, a
 * refresh ended on an event loop, an outcome written, the deadline, a stop) is posted there and handled one at
 * a time, in order, each seeing what the previous did. No lock, no volatile: to check a change, check that it
 * runs on {@code serial}. Blocking steps (claim, release, count) never run there; they are {@link Uni}s
 * subscribed on worker threads whose results are emitted back onto it. {@link RunCircuits} is shared with
 * the refresher's threads and guards itself.
 */
final class RefreshRun {

    private static final Logger LOG = Logger.getLogger(RefreshRun.class);

    /** What a run needs from outside: blocking database calls (run on worker threads), the refresh, the write. */
    interface Steps {
        List<ClaimedIntegration> claim(DueQuery query);

        int release(List<UUID> ids);

        long countDue(DueQuery query);

        /** Whether {@code row}'s lease still covers the worst case of one refresh; if not it is released unstarted. */
        boolean mayStart(ClaimedIntegration row);

        Uni<Outcome> refresh(ClaimedIntegration row, RunContext run);

        Uni<OutcomeWriter.Written> write(ClaimedIntegration row, RunContext run, Outcome outcome, Instant startedAt,
                Instant finishedAt);
    }

    /** Runs an action once after a delay, unless cancelled first. */
    interface Timer {
        Cancellable after(Duration delay, Runnable action);
    }

    /**
     * Time, the threads blocking steps run on, where refreshes start (event loops in turn, so their I/O spreads
     * over all of them), and the deadline's timer: the seams a test controls.
     */
    record Env(Clock clock, Executor workers, Executor starts, Timer timer) {

        static Env production(Executor eventLoops) {
            return new Env(Clock.systemUTC(), Infrastructure.getDefaultWorkerPool(), eventLoops,
                    (delay, action) -> Uni.createFrom().voidItem().onItem().delayIt().by(delay)
                            .subscribe().with(ignored -> action.run()));
        }
    }

    private final RunContext run;
    private final RunContext.Capacity capacity;
    private final Steps steps;
    private final Env env;
    private final SerialExecutor serial = new SerialExecutor();
    private final CompletableFuture<TaskResult> done = new CompletableFuture<>();

    private final TenantQueue queue;
    private final VaultBacklog vaults;
    private final RunTally tally = new RunTally();
    private Cancellable deadlineTimer;
    private int calling;
    private int writing;
    private int releasing;
    private boolean claiming;
    private boolean exhausted;
    private boolean stopped;
    private boolean finishing;
    private DueQuery emptyClaim;
    private Throwable claimFailure;

    RefreshRun(RunContext run, Steps steps, Env env, VaultBacklog vaults) {
        this.run = run;
        this.capacity = run.capacity();
        this.steps = steps;
        this.env = env;
        this.queue = new TenantQueue(capacity);
        this.vaults = vaults;
    }

    /** Starts the run; the result arrives when every claimed row has settled or been released. */
    Uni<TaskResult> start() {
        serial.execute(() -> {
            Duration left = Duration.between(env.clock().instant(), run.deadline());
            if (left.compareTo(Duration.ZERO) > 0) {
                deadlineTimer = env.timer().after(left, this::stopTakingWork);
            }
            pump();
        });
        return Uni.createFrom().completionStage(done);
    }

    /**
     * Stops taking work, from any thread: nothing more is claimed or started, queued rows are released
     * untouched, refreshes in flight finish and are recorded, then the run ends with its summary.
     */
    void stopTakingWork() {
        serial.execute(() -> {
            stopped = true;
            pump();
        });
    }

    /** Decides what to do next; every event ends here. */
    private void pump() {
        if (finishing) {
            return;
        }
        if (!stopped && !env.clock().instant().isBefore(run.deadline())) {
            stopped = true;
        }
        if (stopped) {
            releaseUnstarted();
        } else {
            dispatch();
            if (wantsMoreWork()) {
                claim();
            }
        }
        if (calling == 0 && writing == 0 && releasing == 0 && !claiming && queue.isEmpty()
                && (stopped || exhausted || tally.claimed() >= run.limit())) {
            finish();
        }
    }

    private void dispatch() {
        // Outcomes waiting for their write count too, so a slow database slows the run down instead of piling up.
        while (calling < capacity.concurrency() && writing < capacity.concurrency()) {
            Optional<ClaimedIntegration> next = queue.next();
            if (next.isEmpty()) {
                return;
            }
            if (steps.mayStart(next.get())) {
                refresh(next.get());
            } else {
                queue.finished(next.get());
                vaults.finished(next.get());
                tally.skipped(1);
                release(List.of(next.get().id()));
            }
        }
    }

    private boolean wantsMoreWork() {
        if (claiming || exhausted || tally.claimed() >= run.limit()) {
            return false;
        }
        // Claim while slots are free that the queued rows cannot fill (their tenants are at their cap) or
        // while the queue runs low; saturated tenants are left out of the claim, which bounds the queue.
        boolean needed = calling < capacity.concurrency() || queue.size() < capacity.concurrency();
        // The last claim found nothing outside the saturated tenants and full vaults: wait until one of them drains.
        return needed && (emptyClaim == null || !queue.saturated().containsAll(emptyClaim.excludedTenants())
                || !vaults.excluded().containsAll(emptyClaim.excludedVaults()));
    }

    private void claim() {
        claiming = true;
        Instant now = env.clock().instant();
        DueQuery query = run.query().at(now)
                .withLimit(Math.min(capacity.batchSize(), run.limit() - tally.claimed()), queue.saturated())
                .excludingVaults(vaults.excluded());
        Uni.createFrom().item(() -> steps.claim(query))
                .runSubscriptionOn(env.workers())
                .emitOn(serial)
                .subscribe().with(rows -> claimed(query, rows), this::claimFailed);
    }

    private void claimed(DueQuery query, List<ClaimedIntegration> rows) {
        claiming = false;
        tally.claimed(rows.size());
        vaults.claimed(rows);
        boolean fullVaultsLeftOut = vaults.narrows(query.excludedVaults());
        boolean narrowed = !query.excludedTenants().isEmpty() || fullVaultsLeftOut;
        if (!narrowed && rows.size() < query.limit()) {
            exhausted = true;
        }
        emptyClaim = narrowed && rows.isEmpty() ? query : null;
        queue.offer(rows);
        if (rows.size() < query.limit() && !fullVaultsLeftOut) {
            // Everything due outside the tenants the claim left out is now queued or running.
            queue.nothingElseDue();
        }
        pump();
    }

    private void claimFailed(Throwable failure) {
        // The database is unreachable: claim no more; what was claimed is still finished.
        claiming = false;
        exhausted = true;
        if (claimFailure == null) {
            claimFailure = failure;
        }
        LOG.warnf("Run %s: claiming due integrations failed (%s)", run.runId(), failure.getClass().getSimpleName());
        pump();
    }

    private void refresh(ClaimedIntegration row) {
        calling++;
        Instant started = env.clock().instant();
        Uni.createFrom().deferred(() -> steps.refresh(row, run)).runSubscriptionOn(env.starts()).subscribe().with(
                outcome -> serial.execute(() -> called(row, started, outcome)),
                failure -> serial.execute(() -> called(row, started, unexpected(row, failure))));
    }

    private static Outcome unexpected(ClaimedIntegration row, Throwable failure) {
        LOG.errorf("Integration %s: the refresh failed with %s; left untouched", row.id(), failure.getClass().getSimpleName());
        return new Outcome.Deferred(Outcome.Cause.INTERNAL_ERROR);
    }

    /** The call is over: its slot takes the next row while this outcome waits for its (batched) write. */
    private void called(ClaimedIntegration row, Instant started, Outcome outcome) {
        calling--;
        queue.finished(row);
        vaults.finished(row);
        writing++;
        steps.write(row, run, outcome, started, env.clock().instant()).subscribe().with(
                written -> serial.execute(() -> {
                    writing--;
                    tally.settled(outcome, written);
                    pump();
                }),
                failure -> serial.execute(() -> {
                    writing--;
                    tally.unrecorded();
                    LOG.warnf("Integration %s: outcome not recorded (%s); its lease lapses and it is retried",
                            row.id(), failure.getClass().getSimpleName());
                    pump();
                }));
        pump();
    }

    /** The one path by which a run gives rows back: whatever is queued when it has stopped taking work. */
    private void releaseUnstarted() {
        if (queue.isEmpty()) {
            return;
        }
        List<UUID> ids = queue.drain();
        tally.skipped(ids.size());
        release(ids);
    }

    private void release(List<UUID> ids) {
        releasing++;
        Uni.createFrom().item(() -> steps.release(ids))
                .runSubscriptionOn(env.workers())
                .emitOn(serial)
                .subscribe().with(
                        released -> {
                            releasing--;
                            pump();
                        },
                        failure -> {
                            releasing--;
                            LOG.warnf("Run %s: releasing %d unstarted rows failed (%s); their leases lapse instead",
                                    run.runId(), ids.size(), failure.getClass().getSimpleName());
                            pump();
                        });
    }

    private void finish() {
        finishing = true;
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
        }
        if (claimFailure != null && tally.claimed() == 0) {
            done.completeExceptionally(claimFailure);
            return;
        }
        Uni.createFrom().item(() -> steps.countDue(run.query().at(env.clock().instant())))
                .runSubscriptionOn(env.workers())
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Run %s: counting what remains due failed (%s)", run.runId(), failure.getClass().getSimpleName());
                    return TaskResult.REMAINING_UNKNOWN;
                })
                .emitOn(serial)
                .subscribe().with(remaining -> done.complete(tally.result(remaining, run.circuits())));
    }
}
