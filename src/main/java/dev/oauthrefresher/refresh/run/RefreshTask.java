package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.lease.LeaseConfig;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.attempt.RefreshMetrics;
import dev.oauthrefresher.cron.CronTask;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.cron.TaskRun;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** {@code POST /cron/refresh-expiring-integrations}: refresh every active integration nearing expiry. */
@ApplicationScoped
public class RefreshTask implements CronTask {

    public static final String NAME = "refresh-expiring-integrations";

    private final RefreshService service;
    private final RefreshConfig config;
    private final LeaseConfig leases;

    RefreshTask(RefreshService service, RefreshConfig config, LeaseConfig leases) {
        this.service = service;
        this.config = config;
        this.leases = leases;
    }

    /** The run-duration timer exists from startup: the no-completed-run alert reads it before the first run. */
    void onStart(@Observes StartupEvent event, RefreshMetrics metrics) {
        metrics.registerRun(NAME);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Uni<TaskResult> run(TaskRun run) {
        return service.run(run, NAME);
    }

    @Override
    public Duration budget() {
        return config.runBudget();
    }

    /** A run's rows stay leased for the lease even past its budget: until then its replica may still be at it. */
    @Override
    public Duration abandonedAfter() {
        return leases.lease().compareTo(config.runBudget()) > 0 ? leases.lease() : config.runBudget();
    }
}
