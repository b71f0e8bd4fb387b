package dev.oauthrefresher.cron;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;

/**
 * The task the in-process fallback runs in {@link dev.oauthrefresher.testsupport.FakePeersProfile}: apart from every
 * other test's tasks, so that the fallback checking every second never changes what a test counts.
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
