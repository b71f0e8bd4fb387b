package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.lease.DueQuery;
import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.tokenstore.AccessToken;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.RunCircuits;
import dev.oauthrefresher.refresh.attempt.Outcome;
import dev.oauthrefresher.refresh.attempt.OutcomeWriter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.integration.IntegrationStatus;
import dev.oauthrefresher.tokenstore.SecretRef;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The run's scheduling, driven by hand through its seams: in-memory steps whose refreshes complete only when the
 * test says so, a clock and a deadline timer the test moves, and worker threads the test runs. Everything happens
 * on the test's thread, in the order the test chooses; nothing waits on wall-clock time.
 */
class RefreshRunTest {

    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    static final Outcome REFRESHED = new Outcome.Refreshed(T0.plusSeconds(3600), false, List.of(),
            new AccessToken(Secret.of("at-run-test"), "Bearer", T0.plusSeconds(3600), Optional.empty()));

    final FakeSteps steps = new FakeSteps();
    final MovableClock clock = new MovableClock();
    final ManualTimer timer = new ManualTimer();
    final ManualWorkers workers = new ManualWorkers();
    /** Requests per second per vault; a vault missing here is not configured, one unset is unlimited. */
    final Map<String, Double> vaultRates = new HashMap<>(Map.of(SecretRef.DEFAULT_VAULT, Double.POSITIVE_INFINITY));
    static final Duration VAULT_HORIZON = Duration.ofSeconds(10);

    OptionalDouble rateOf(String vault) {
        Double rate = vaultRates.get(vault);
        return rate == null ? OptionalDouble.empty() : OptionalDouble.of(rate);
    }

    /** A run of {@code limit} rows at most, with a one-minute deadline; worker steps run inline unless held. */
    RefreshRun run(int concurrency, int batchSize, int perTenant, Map<String, Integer> tenantCaps, int limit) {
        DueQuery query = new DueQuery(T0, Duration.ofMinutes(15), Duration.ofDays(7), Optional.empty(), Optional.empty(),
                Optional.empty(), batchSize);
        RunContext context = new RunContext(UUID.randomUUID(), "host/run", circuits(20, 0.5), query,
                T0.plus(Duration.ofMinutes(1)), limit,
                new RunContext.Capacity(concurrency, batchSize, perTenant, tenantCaps));
        return new RefreshRun(context, steps, new RefreshRun.Env(clock, workers, Runnable::run, timer),
                new VaultBacklog(context.runId(), this::rateOf, VAULT_HORIZON));
    }

    static RunCircuits circuits(int minimumCalls, double failureRatio) {
        return new RunCircuits(minimumCalls, failureRatio);
    }

    static TaskResult result(CompletableFuture<TaskResult> done) {
        assertThat(done).as("the run has ended").isDone();
        return done.join();
    }

    @Test
    void shouldStartASmallTenantsRowsInTheFirstWaveNextToAHugeTenant() {
        steps.due("huge", 100);
        steps.due("tiny", 3);
        CompletableFuture<TaskResult> done = run(4, 1000, 2, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        assertThat(steps.startedTenants()).as("the first wave, though huge's rows are all more urgent")
                .containsExactly("huge", "tiny", "huge", "tiny");

        steps.completeAll(REFRESHED);
        assertThat(result(done).refreshed()).isEqualTo(103);
        assertThat(result(done).remaining()).isZero();
    }

    @Test
    void shouldLeaveSaturatedTenantsOutOfTheNextClaim() {
        steps.due("huge", 100);
        steps.due("tiny", 3);
        CompletableFuture<TaskResult> done = run(4, 10, 2, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        // The first claim takes the ten most urgent rows, all huge's: two run, eight (four waves of its cap) wait.
        assertThat(steps.claims.get(0).excludedTenants()).isEmpty();
        assertThat(steps.claims.get(1).excludedTenants()).containsExactly("huge");
        assertThat(steps.startedTenants()).containsExactly("huge", "huge", "tiny", "tiny");

        steps.completeAll(REFRESHED);
        assertThat(result(done).refreshed()).isEqualTo(103);
    }

    @Test
    void shouldNeverExceedATenantsOwnCapWhileADefaultCappedTenantTakesTheSlotsItLeaves() {
        steps.due("capped", 10);
        steps.due("plain", 10);
        CompletableFuture<TaskResult> done = run(5, 1000, 3, Map.of("capped", 1), Integer.MAX_VALUE).start()
                .subscribeAsCompletionStage();

        assertThat(steps.running()).as("capped waits only on its own cap: plain takes the rest").hasSize(5);
        while (!steps.running().isEmpty()) {
            assertThat(steps.running()).hasSizeLessThanOrEqualTo(5);
            assertThat(steps.runningOf("capped")).isLessThanOrEqualTo(1);
            steps.completeOldest(REFRESHED);
        }
        assertThat(result(done).refreshed()).isEqualTo(20);
    }

    @Test
    void shouldHoldALoneTenantToItsOwnCapWhateverTheFreeSlots() {
        steps.due("capped", 20);
        CompletableFuture<TaskResult> done = run(10, 5, 8, Map.of("capped", 2), Integer.MAX_VALUE).start()
                .subscribeAsCompletionStage();

        assertThat(steps.running()).hasSize(2);
        while (!steps.running().isEmpty()) {
            assertThat(steps.running()).hasSizeLessThanOrEqualTo(2);
            steps.completeOldest(REFRESHED);
        }
        assertThat(result(done).refreshed()).isEqualTo(20);
    }

    @Test
    void shouldLetALoneTenantFillEveryGlobalSlotAndClaimEnoughToKeepThemFull() {
        steps.due("solo", 100);
        CompletableFuture<TaskResult> done = run(16, 20, 4, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        // The first claim is full: other tenants' rows may be due, so a claim that leaves solo out looks first.
        assertThat(steps.claims.get(1).excludedTenants()).containsExactly("solo");
        for (int completed = 0; completed < 100; completed++) {
            assertThat(steps.running()).as("in flight after %d completed", completed).hasSize(Math.min(16, 100 - completed));
            steps.completeOldest(REFRESHED);
        }
        assertThat(result(done).refreshed()).isEqualTo(100);
    }

    @Test
    void shouldApplyTheDefaultCapAgainWhileASecondTenantWaits() {
        steps.due("big", 100);
        steps.due("other", 10);
        CompletableFuture<TaskResult> done = run(16, 20, 4, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        assertThat(steps.runningOf("big")).isEqualTo(4);
        assertThat(steps.runningOf("other")).isEqualTo(4);
        while (steps.queuedOf("other") > 0) {
            assertThat(steps.runningOf("big")).as("other still has rows waiting").isLessThanOrEqualTo(4);
            steps.completeOldest(REFRESHED);
        }
        assertThat(steps.running()).as("other's last rows are running: big takes the slots left").hasSize(16);
        steps.completeAll(REFRESHED);
        assertThat(result(done).refreshed()).isEqualTo(110);
    }

    @Test
    void shouldStillStartEverySmallTenantInTheFirstWaveWhenAHugeTenantMayTakeTheFreeSlots() {
        steps.due("huge", 100);
        for (int t = 0; t < 5; t++) {
            steps.due("small-" + t, 3);
        }
        CompletableFuture<TaskResult> done = run(20, 20, 4, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        assertThat(steps.startedTenants()).as("the first wave").hasSize(20)
                .filteredOn(tenant -> tenant.startsWith("small-")).hasSize(15);
        steps.completeAll(REFRESHED);
        assertThat(result(done).refreshed()).isEqualTo(115);
    }

    @Test
    void shouldClaimNoMoreThanItsLimitAndEndWithoutWaitingForTheDeadline() {
        steps.due("t", 20);
        CompletableFuture<TaskResult> done = run(10, 8, 10, Map.of(), 5).start().subscribeAsCompletionStage();

        assertThat(steps.claims).extracting(DueQuery::limit).containsExactly(5);
        steps.completeAll(REFRESHED);

        TaskResult result = result(done);
        assertThat(result.selected()).isEqualTo(5);
        assertThat(result.refreshed()).isEqualTo(5);
        assertThat(result.remaining()).isEqualTo(15);
        assertThat(timer.cancelled).as("the deadline timer of a run that ended early").isTrue();
    }

    @Test
    void shouldReleaseUnstartedRowsAtTheDeadlineAndLetRefreshesInFlightFinish() {
        steps.due("t", 10);
        CompletableFuture<TaskResult> done = run(2, 1000, 8, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();
        assertThat(timer.delay).isEqualTo(Duration.ofMinutes(1));
        List<UUID> inFlight = steps.runningIds();

        clock.advance(Duration.ofMinutes(1));
        timer.fire();

        assertThat(steps.released).hasSize(8).doesNotContainAnyElementsOf(inFlight);
        assertThat(done).as("refreshes in flight are still running").isNotDone();
        steps.completeAll(REFRESHED);
        TaskResult result = result(done);
        assertThat(result.refreshed()).isEqualTo(2);
        assertThat(result.skipped()).isEqualTo(8);
        assertThat(result.remaining()).as("released rows are due again").isEqualTo(8);
        assertThat(steps.startedTenants()).as("nothing started after the deadline").hasSize(2);
    }

    @Test
    void shouldStopTakingWorkOnAnExternalSignalLikeAtTheDeadline() {
        steps.due("t", 6);
        RefreshRun run = run(2, 1000, 8, Map.of(), Integer.MAX_VALUE);
        CompletableFuture<TaskResult> done = run.start().subscribeAsCompletionStage();

        run.stopTakingWork();
        steps.completeAll(REFRESHED);

        TaskResult result = result(done);
        assertThat(result.refreshed()).isEqualTo(2);
        assertThat(result.skipped()).isEqualTo(4);
        assertThat(steps.released).hasSize(4);
        assertThat(timer.cancelled).isTrue();
    }

    @Test
    void shouldReleaseUnstartedARowWhoseLeaseNoLongerCoversOneRefresh() {
        steps.due("t", 3);
        UUID late = steps.due.get(1).id();
        steps.leaseTooShort.add(late);
        CompletableFuture<TaskResult> done = run(4, 1000, 8, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        assertThat(steps.released).containsExactly(late);
        steps.completeAll(REFRESHED);
        assertThat(result(done).refreshed()).isEqualTo(2);
        assertThat(result(done).skipped()).isEqualTo(1);
    }

    @Test
    void shouldReleaseRowsWhoseClaimAnswersAfterTheRunStopped() {
        steps.due("t", 5);
        workers.hold = true;
        RefreshRun run = run(10, 1000, 8, Map.of(), Integer.MAX_VALUE);
        CompletableFuture<TaskResult> done = run.start().subscribeAsCompletionStage();
        assertThat(workers.pending).as("the claim is on a worker thread").hasSize(1);

        run.stopTakingWork();
        workers.hold = false;
        workers.runAll();

        TaskResult result = result(done);
        assertThat(result.selected()).isEqualTo(5);
        assertThat(result.skipped()).isEqualTo(5);
        assertThat(steps.released).hasSize(5);
        assertThat(steps.startedTenants()).isEmpty();
        assertThat(result.remaining()).isEqualTo(5);
    }

    @Test
    void shouldFailTheRunWhenItsFirstClaimFails() {
        steps.due("t", 5);
        steps.failClaim.add(1);

        CompletableFuture<TaskResult> done = run(4, 1000, 8, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        assertThat(done).isCompletedExceptionally();
        assertThatThrownBy(done::join).hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("database unreachable");
    }

    @Test
    void shouldFinishWhatItClaimedWhenALaterClaimFails() {
        steps.due("t", 6);
        steps.failClaim.add(2);

        CompletableFuture<TaskResult> done = run(4, 3, 8, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();
        steps.completeAll(REFRESHED);

        TaskResult result = result(done);
        assertThat(steps.claims).as("no claim after the failed one").hasSize(2);
        assertThat(result.selected()).isEqualTo(3);
        assertThat(result.refreshed()).isEqualTo(3);
        assertThat(result.remaining()).isEqualTo(3);
    }

    @Test
    void shouldCountEveryKindOfOutcomeFromItsTypeAndWhatItsWriteChanged() {
        steps.due("t", 9);
        Instant later = T0.plusSeconds(60);
        Outcome failedToError = new Outcome.Failed("backend_error", "503", OptionalInt.of(503), later);
        Outcome lostLease = new Outcome.Expired("invalid_grant", "revoked", 400);
        steps.writeResult = outcome -> outcome == failedToError
                ? new OutcomeWriter.Written(true, IntegrationStatus.ERROR)
                : new OutcomeWriter.Written(outcome != lostLease, IntegrationStatus.ACTIVE);
        CompletableFuture<TaskResult> done = run(9, 1000, 9, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        steps.completeOldest(REFRESHED);
        steps.completeOldest(new Outcome.Expired("invalid_grant", "revoked", 400));
        steps.completeOldest(new Outcome.Errored("unknown_provider_group", "not configured"));
        steps.completeOldest(new Outcome.Failed("backend_error", "503", OptionalInt.of(503), later));
        steps.completeOldest(failedToError);
        steps.completeOldest(new Outcome.Deferred(Outcome.Cause.TOKEN_STORE_UNAVAILABLE));
        steps.completeOldest(new Outcome.Deferred(Outcome.Cause.CIRCUIT_OPEN));
        steps.completeOldest(new Outcome.RotationPending());
        steps.completeOldest(lostLease);

        TaskResult result = result(done);
        assertThat(result.refreshed()).isEqualTo(1);
        assertThat(result.expired()).isEqualTo(1);
        assertThat(result.errored()).isEqualTo(2);
        assertThat(result.deferred()).isEqualTo(4);
        assertThat(result.details()).containsEntry("transientFailures", 2).containsEntry("tokenStoreFailures", 2)
                .containsEntry("rotationsPending", 1).containsEntry("lostLeases", 1).containsEntry("unrecordedOutcomes", 0);
    }

    @Test
    void shouldRecordARefreshThatFailedAsAnInternalErrorAndCountAnUnrecordedWrite() {
        steps.due("t", 2);
        steps.writeResult = outcome -> {
            throw new IllegalStateException("write failed");
        };
        CompletableFuture<TaskResult> done = run(2, 1000, 2, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        steps.calls.values().iterator().next().completeExceptionally(new IllegalStateException("bug"));
        steps.completeAll(REFRESHED);

        assertThat(steps.written).first().isEqualTo(new Outcome.Deferred(Outcome.Cause.INTERNAL_ERROR));
        assertThat(result(done).details()).containsEntry("unrecordedOutcomes", 2);
    }

    @Test
    void shouldHandEveryRefreshTheSameCircuitsAndReportWhatOpened() {
        steps.due("t", 4);
        CompletableFuture<TaskResult> done = run(4, 1000, 4, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        assertThat(steps.contexts.stream().map(RunContext::circuits).distinct()).hasSize(1);
        RunCircuits circuits = steps.contexts.get(0).circuits();
        circuits.rejectGroup("bad-group");
        for (int i = 0; i < 20; i++) {
            circuits.recordCall(Provider.GOOGLE, true);
        }
        steps.completeAll(new Outcome.Deferred(Outcome.Cause.CIRCUIT_OPEN));

        assertThat(result(done).details()).containsEntry("rejectedProviderGroups", Set.of("bad-group"))
                .containsEntry("openProviderCircuits", Set.of("google"));
    }

    @Test
    void shouldLeaveAFullVaultsRowsUnclaimedUntilItsBacklogDrains() {
        // one request per second: five refreshes (two requests each) fit in the ten-second horizon
        vaultRates.put("slow", 1.0);
        vaultRates.put("fast", Double.POSITIVE_INFINITY);
        steps.due("s", "slow", 20);
        steps.due("f", "fast", 20);
        CompletableFuture<TaskResult> done = run(8, 10, 4, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        // The first claim takes the ten most urgent rows, all slow's: past its five, the vault is full.
        assertThat(steps.claims.get(0).excludedVaults()).isEmpty();
        assertThat(steps.claims.get(1).excludedVaults()).containsExactly("slow");
        assertThat(steps.due).as("rows the run left in the database").filteredOn(r -> r.vault().equals("slow")).hasSize(10);
        assertThat(steps.running()).contains("f");
        while (steps.due.stream().anyMatch(r -> r.vault().equals("slow"))) {
            long slowClaimedUnfinished = steps.rows.values().stream()
                    .filter(r -> r.vault().equals("slow") && !steps.due.contains(r))
                    .filter(r -> !steps.calls.containsKey(r.id()) || !steps.calls.get(r.id()).isDone())
                    .count();
            assertThat(slowClaimedUnfinished).as("slow's claimed rows still to be served: at most one batch past five")
                    .isLessThanOrEqualTo(5 + 10);
            steps.completeOldest(REFRESHED);
        }
        steps.completeAll(REFRESHED);

        TaskResult result = result(done);
        assertThat(result.refreshed()).isEqualTo(40);
        assertThat(result.remaining()).isZero();
    }

    @Test
    void shouldDeferARemovedVaultsRowsOnceAndLeaveThemOutOfTheRestOfTheRun() {
        steps.due("t", "retired", 3);
        steps.due("t", SecretRef.DEFAULT_VAULT, 5);
        CompletableFuture<TaskResult> done = run(8, 4, 8, Map.of(), Integer.MAX_VALUE).start().subscribeAsCompletionStage();

        assertThat(steps.claims.get(0).excludedVaults()).isEmpty();
        assertThat(steps.claims.subList(1, steps.claims.size())).allSatisfy(q ->
                assertThat(q.excludedVaults()).containsExactly("retired"));
        while (!steps.runningIds().isEmpty()) {
            UUID id = steps.runningIds().get(0);
            steps.calls.get(id).complete(steps.rows.get(id).vault().equals("retired")
                    ? new Outcome.Deferred(Outcome.Cause.VAULT_NOT_CONFIGURED) : REFRESHED);
        }

        TaskResult result = result(done);
        assertThat(result.selected()).as("the retired vault's three rows once, and the five others").isEqualTo(8);
        assertThat(result.refreshed()).isEqualTo(5);
        assertThat(result.deferred()).isEqualTo(3);
        assertThat(timer.cancelled).as("the run ended without waiting for its deadline").isTrue();
    }

    @Test
    void shouldOpenAProviderCircuitOnlyPastBothTheMinimumCallsAndTheFailureRatio() {
        RunCircuits circuits = circuits(4, 0.5);

        assertThat(circuits.recordCall(Provider.GOOGLE, true)).isFalse();
        assertThat(circuits.recordCall(Provider.GOOGLE, true)).isFalse();
        assertThat(circuits.recordCall(Provider.GOOGLE, true)).as("three failed calls, below the minimum").isFalse();
        assertThat(circuits.isOpen(Provider.GOOGLE, "g")).isFalse();
        assertThat(circuits.recordCall(Provider.GOOGLE, false)).as("four calls, three failed: past the ratio").isTrue();
        assertThat(circuits.isOpen(Provider.GOOGLE, "g")).isTrue();
        assertThat(circuits.recordCall(Provider.GOOGLE, true)).as("opened once, reported once").isFalse();

        for (int i = 0; i < 10; i++) {
            circuits.recordCall(Provider.MICROSOFT, i >= 6);
        }
        assertThat(circuits.isOpen(Provider.MICROSOFT, "m")).as("4 of 10 failed, below the ratio").isFalse();
        assertThat(circuits.rejectGroup("m")).isTrue();
        assertThat(circuits.rejectGroup("m")).isFalse();
        assertThat(circuits.isOpen(Provider.MICROSOFT, "m")).isTrue();
        assertThat(circuits.isOpen(Provider.MICROSOFT, "other")).isFalse();
    }

    /** In-memory claims, releases and writes; refreshes that end only when the test completes them. */
    static final class FakeSteps implements RefreshRun.Steps {

        final List<ClaimedIntegration> due = new ArrayList<>();
        final Map<UUID, ClaimedIntegration> rows = new HashMap<>();
        final List<DueQuery> claims = new ArrayList<>();
        final Set<Integer> failClaim = new java.util.HashSet<>();
        final List<UUID> released = new ArrayList<>();
        final Set<UUID> leaseTooShort = new java.util.HashSet<>();
        final Map<UUID, CompletableFuture<Outcome>> calls = new LinkedHashMap<>();
        final List<RunContext> contexts = new ArrayList<>();
        final List<Outcome> written = new ArrayList<>();
        Function<Outcome, OutcomeWriter.Written> writeResult = outcome -> new OutcomeWriter.Written(true, IntegrationStatus.ACTIVE);

        /** Adds {@code count} due rows of {@code tenant}, less urgent than every row added before. */
        void due(String tenant, int count) {
            due(tenant, SecretRef.DEFAULT_VAULT, count);
        }

        /** {@link #due} with the rows' tokens in {@code vault}. */
        void due(String tenant, String vault, int count) {
            for (int i = 0; i < count; i++) {
                ClaimedIntegration row = new ClaimedIntegration(UUID.randomUUID(), tenant, Provider.GOOGLE, "g",
                        new SecretRef(vault, "secret-" + tenant + "-" + i), T0.plusSeconds(due.size()), 0);
                due.add(row);
                rows.put(row.id(), row);
            }
        }

        @Override
        public boolean mayStart(ClaimedIntegration row) {
            return !leaseTooShort.contains(row.id());
        }

        @Override
        public List<ClaimedIntegration> claim(DueQuery query) {
            claims.add(query);
            if (failClaim.contains(claims.size())) {
                throw new IllegalStateException("database unreachable");
            }
            List<ClaimedIntegration> claimed = due.stream()
                    .filter(r -> !query.excludedTenants().contains(r.tenantId()))
                    .filter(r -> !query.excludedVaults().contains(r.vault()))
                    .limit(query.limit()).toList();
            due.removeAll(claimed);
            return claimed;
        }

        @Override
        public int release(List<UUID> ids) {
            released.addAll(ids);
            ids.forEach(id -> due.add(rows.get(id)));
            return ids.size();
        }

        @Override
        public long countDue(DueQuery query) {
            return due.size();
        }

        @Override
        public Uni<Outcome> refresh(ClaimedIntegration row, RunContext run) {
            contexts.add(run);
            CompletableFuture<Outcome> call = new CompletableFuture<>();
            calls.put(row.id(), call);
            return Uni.createFrom().completionStage(call);
        }

        @Override
        public Uni<OutcomeWriter.Written> write(ClaimedIntegration row, RunContext run, Outcome outcome, Instant startedAt,
                Instant finishedAt) {
            written.add(outcome);
            return Uni.createFrom().item(() -> writeResult.apply(outcome));
        }

        List<String> startedTenants() {
            return calls.keySet().stream().map(id -> rows.get(id).tenantId()).toList();
        }

        List<UUID> runningIds() {
            return calls.entrySet().stream().filter(e -> !e.getValue().isDone()).map(Map.Entry::getKey).toList();
        }

        List<String> running() {
            return runningIds().stream().map(id -> rows.get(id).tenantId()).toList();
        }

        long runningOf(String tenant) {
            return running().stream().filter(tenant::equals).count();
        }

        /** The tenant's rows neither started nor still due in the database: claimed and queued in the run. */
        long queuedOf(String tenant) {
            long total = rows.values().stream().filter(r -> r.tenantId().equals(tenant)).count();
            long started = startedTenants().stream().filter(tenant::equals).count();
            long due = this.due.stream().filter(r -> r.tenantId().equals(tenant)).count();
            return total - started - due;
        }

        void completeOldest(Outcome outcome) {
            calls.get(runningIds().get(0)).complete(outcome);
        }

        /** Completes every running refresh, and the ones they make room for, until none runs. */
        void completeAll(Outcome outcome) {
            while (!runningIds().isEmpty()) {
                completeOldest(outcome);
            }
        }
    }

    static final class MovableClock extends Clock {
        private Instant now = T0;

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /** Holds the one timer a run arms; fires it when the test says so. */
    static final class ManualTimer implements RefreshRun.Timer {
        Duration delay;
        Runnable action;
        boolean cancelled;

        @Override
        public Cancellable after(Duration delay, Runnable action) {
            this.delay = delay;
            this.action = action;
            return () -> cancelled = true;
        }

        void fire() {
            assertThat(cancelled).as("fired after cancel").isFalse();
            action.run();
        }
    }

    /** Worker threads: runs tasks inline, or holds them while {@code hold} until {@link #runAll}. */
    static final class ManualWorkers implements Executor {
        final Deque<Runnable> pending = new ArrayDeque<>();
        boolean hold;

        @Override
        public void execute(Runnable task) {
            if (hold) {
                pending.add(task);
            } else {
                task.run();
            }
        }

        void runAll() {
            while (!pending.isEmpty()) {
                pending.poll().run();
            }
        }
    }
}
