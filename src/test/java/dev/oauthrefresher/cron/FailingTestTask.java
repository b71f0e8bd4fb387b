package dev.oauthrefresher.cron;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** A registered task that always fails, to prove a failed run is answered and recorded without details leaking. */
@ApplicationScoped
public class FailingTestTask implements CronTask {

    public static final String NAME = "test-failing-task";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<TaskResult> run(TaskRun run) {
        return Uni.createFrom().failure(new IllegalStateException("internal detail that must not reach the caller"));
    }

    @Override
    public Duration budget() {
        return Duration.ofMinutes(1);
    }
}
