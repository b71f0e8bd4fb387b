package dev.oauthrefresher.cron;

import io.smallrye.mutiny.Uni;

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
}
