package dev.oauthrefresher.cron;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A registered task for the trigger tests: counts its runs and reports fixed figures. */
@ApplicationScoped
public class CountingTestTask implements CronTask {

    public static final String NAME = "test-counting-task";
    public static final AtomicInteger RUNS = new AtomicInteger();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<TaskResult> run(TaskRun run) {
        RUNS.incrementAndGet();
        return Uni.createFrom().item(new TaskResult(3, 2, 1, 0, 0, 0, 0, Map.of("dryRun", run.request().isDryRun())));
    }

    @Override
    public Duration budget() {
        return Duration.ofMinutes(1);
    }
}
