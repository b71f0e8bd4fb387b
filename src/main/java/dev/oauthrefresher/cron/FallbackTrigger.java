package dev.oauthrefresher.cron;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The optional in-process trigger, off by default ({@code refresher.cron.fallback.cron=off}, which the Quarkus
 * scheduler reads as a disabled job): it runs the task only when no external trigger (QStash or
 * the CronJob) has completed a run within the grace period, read from {@code trigger_run} so every replica
 * agrees; otherwise it records a skip. It goes through the same registry and service as the endpoint.
 */
@ApplicationScoped
public class FallbackTrigger {

    private static final Logger LOG = Logger.getLogger(FallbackTrigger.class);

    private final CronConfig config;
    private final TaskRegistry registry;
    private final TriggerService triggers;

    FallbackTrigger(CronConfig config, TaskRegistry registry, TriggerService triggers) {
        this.config = config;
        this.registry = registry;
        this.triggers = triggers;
    }

    @Scheduled(identity = "cron-fallback", cron = "${refresher.cron.fallback.cron}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        String task = config.fallback().task();
        Optional<Instant> last = triggers.lastExternalCompletion();
        if (last.isPresent() && last.get().isAfter(Instant.now().minus(config.fallback().gracePeriod()))) {
            triggers.recordSkipped(task);
            return;
        }
        Optional<CronTask> cronTask = registry.find(task);
        if (cronTask.isEmpty()) {
            LOG.errorf("refresher.cron.fallback.task names no registered task: '%s'", task);
            return;
        }
        LOG.warnf("No external trigger completed a run in the last %s: the in-process fallback runs %s",
                config.fallback().gracePeriod(), task);
        triggers.trigger(cronTask.get(), TriggerKind.SCHEDULER, Optional.empty(), RunRequest.EVERYTHING)
                .await().atMost(config.fallback().runTimeout());
    }
}
