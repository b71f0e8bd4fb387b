package dev.oauthrefresher.cron;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A registered task for the trigger tests that runs until its gate opens, like a run waiting on its refreshes. */
@ApplicationScoped
public class GatedTestTask implements CronTask {

    public static final String NAME = "test-gated-task";
    /** Opens (completes) when the test lets the running task finish; replaced by each test. */
    public static volatile CompletableFuture<Void> gate = new CompletableFuture<>();
    /** Completes when a run has started, so a test knows the task is waiting at its gate. */
    public static volatile CompletableFuture<Void> started = new CompletableFuture<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<TaskResult> run(TaskRun run) {
        started.complete(null);
        // a dependent stage: whatever happens to this Uni's subscription, the test's gate itself stays untouched
        return Uni.createFrom().completionStage(() -> gate.thenApply(
                opened -> new TaskResult(1, 1, 0, 0, 0, 0, 0, Map.of())));
    }

    @Override
    public Duration budget() {
        return Duration.ofMinutes(1);
    }
}
