package dev.oauthrefresher.cron;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;

/**
 * The task the in-process fallback runs in {@link QStashProfile}: apart from the endpoint tests' tasks, so that
 * the fallback checking every second never changes what those tests count.
 */
@ApplicationScoped
public class FallbackTestTask implements CronTask {

    public static final String NAME = "test-fallback-task";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<TaskResult> run(TaskRun run) {
        return Uni.createFrom().item(new TaskResult(0, 0, 0, 0, 0, 0, 0, Map.of()));
    }

    @Override
    public Duration budget() {
        return Duration.ofMinutes(1);
    }
}
