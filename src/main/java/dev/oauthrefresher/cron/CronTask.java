package dev.oauthrefresher.cron;

import io.smallrye.mutiny.Uni;
import java.time.Duration;

/**
 * A job that {@code POST /cron/{name}} can trigger. A CDI bean implementing this interface is a registered
 * task: adding a task is adding a bean, not an endpoint. Runs of one task may overlap (two replicas, a
 * CronJob and QStash at once), so implementations must split work safely between them.
 */
public interface CronTask {

    /** The path segment that triggers this task, e.g. {@code refresh-expiring-integrations}. */
    String name();

    /** Runs once. Must stop taking new work at {@code run.deadline()} and never block the calling thread. */
    Uni<TaskResult> run(TaskRun run);

    /** How long a run may take new work: the trigger sets {@code run.deadline()} this far after the run starts. */
    Duration budget();

    /**
     * How long after its start a run still recorded as running is presumed dead with its replica, so that a
     * redelivery of the same QStash message takes it over instead of waiting for it. At least {@link #budget()}.
     */
    default Duration abandonedAfter() {
        return budget();
    }
}
