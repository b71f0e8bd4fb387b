package dev.oauthrefresher.refresh;

import dev.oauthrefresher.cron.CronTask;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.cron.TaskRun;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** {@code POST /cron/refresh-expiring-integrations}: refresh every active integration nearing expiry. */
@ApplicationScoped
public class RefreshTask implements CronTask {

    public static final String NAME = "refresh-expiring-integrations";

    private final RefreshService service;

    RefreshTask(RefreshService service) {
        this.service = service;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<TaskResult> run(TaskRun run) {
        return service.run(run, NAME);
    }
}
